#!/bin/sh
# What the official nginx image's entry point does: before nginx starts, run the
# scripts an image built on this one puts in /docker-entrypoint.d (*.sh, in order).
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
	for script in /docker-entrypoint.d/*.sh; do
		[ -x "$script" ] || continue
		echo "$0: Launching $script"
		"$script"
	done
	echo "$0: Configuration complete; ready for start up"
fi
exec "$@"
