#!/bin/sh
# Builds a few targets: loops, arithmetic, nested substitutions, traps, subshells.
: "${CC:=cc}" "${CFLAGS=-O2 -Wall}"
srcdir=$(cd "$(dirname -- "$0")" && pwd)
jobs=$(( $(nproc 2>/dev/null || echo 1) * 2 ))
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

for target in "$@"; do
	case $target in
		*.c) obj=${target%.c}.o ;;
		*.o) obj=$target ;;
		(clean) rm -f ./*.o; continue ;;
		*) echo "skip: $target" >&2; continue ;;
	esac
	( cd "$srcdir" && $CC $CFLAGS -c "${obj%.o}.c" -o "$tmp/$obj" ) || failed="$failed $obj"
done

count=0
for f in "$tmp"/*.o; do
	[ -e "$f" ] || break
	count=`expr $count + 1`
done
echo "built $count object(s) with $jobs jobs${failed:+, failed:$failed}"

while IFS=: read -r user _ uid _; do
	if [ "$uid" -ge 1000 ] 2>/dev/null; then echo "$user"; fi
done </etc/passwd | sort | head -n 3

version=$(sed -n 's/^VERSION=//p' "$srcdir/Makefile" 2>/dev/null)
test -n "$version" || version=unknown
cat >"$tmp/config.h" <<EOF2
#define VERSION "$version"
#define BUILT_BY "${USER:-nobody}"
#define JOBS $((jobs))
EOF2
! grep -q UNKNOWN "$tmp/config.h" && echo ok || echo "no version"
exec 3>&1 4>&2
{ echo to-stdout; echo to-stderr >&2; } 2>&1 1>&3 3>&- | sed 's/^/err: /'
exec 3>&- 4>&-
