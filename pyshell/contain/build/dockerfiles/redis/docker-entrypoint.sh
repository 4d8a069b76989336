#!/bin/sh
# What the official redis image's entry point does: a first argument that is an option
# or a .conf file means "redis-server with these", and redis-server started as root
# drops to the redis user after giving it /data.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
	# The official image's Redis is built with protected mode off (it listens on every
	# address of the container, reached through its network only); Debian's is built
	# with it on, so we say it here, after the user's own options.
	set -- "$@" --protected-mode no
	if [ "$(id -u)" = 0 ]; then
		find . \! -user redis -exec chown redis '{}' +
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
