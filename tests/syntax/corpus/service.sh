#!/bin/sh
# A small init-style service script: options, functions, case, here-documents.
set -eu

NAME=demo
PIDFILE=${PIDFILE:-/run/$NAME.pid}
LOGDIR="${LOGDIR:-/var/log}/$NAME"
DAEMON=$(command -v "$NAME" || echo /usr/sbin/$NAME)

log() {
	printf '%s %s\n' "$(date +%T)" "$*" >>"$LOGDIR/service.log" 2>&1
}

is_running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

usage() {
	cat <<-USAGE
	usage: ${0##*/} {start|stop|restart|status}
	  pidfile: $PIDFILE
	USAGE
	exit 2
}

start() {
	if is_running; then
		log "already running"; return 0
	fi
	mkdir -p "$LOGDIR" && : >"$LOGDIR/out"
	nohup "$DAEMON" --foreground </dev/null >>"$LOGDIR/out" 2>&1 &
	echo $! >"$PIDFILE"
	log "started pid $(cat "$PIDFILE")"
}

stop() {
	is_running || { log "not running"; return 0; }
	kill "$(cat "$PIDFILE")"
	i=0
	while is_running && [ $i -lt 10 ]; do
		sleep 1; i=$((i + 1))
	done
	rm -f -- "$PIDFILE"
}

case "${1-}" in
	start) start ;;
	stop) stop ;;
	restart)
		stop
		start
		;;
	status)
		if is_running; then echo running; else echo stopped; exit 3; fi ;;
	-h|--help|help) usage ;;
	*) usage
esac
