# bash's builtins in detail: trap, printf, read, wait, kill, exec, command, type, hash, pushd...
## ref: bash-default

#### trap -p prints handlers
trap 'echo bye' EXIT
trap -p
trap -p EXIT

#### trap with several signals at once
trap 'echo sig' USR1 USR2
trap -p USR2 | grep -c sig
kill -USR2 $$
echo after

#### trap '' ignores
trap '' USR1
kill -USR1 $$
echo still-here

#### trap - resets
trap 'echo caught' USR1
trap - USR1
trap -p USR1
echo listed

#### trap with a number resets
trap 'echo caught' USR1
trap 10
trap -p USR1
echo done

#### trap 0 is EXIT
trap 'echo at-exit' 0
echo body

#### trap by number
trap 'echo got' 10
kill -USR1 $$
echo after

#### trap on KILL is an error
trap 'echo x' KILL 2>/dev/null
echo status $?
## stdout:
status 1
## note: KILL and STOP cannot be caught: pysh says so (status 1); bash accepts the trap silently and it never runs

#### trap on an unknown signal
trap 'echo x' NOSUCHSIG
echo status $?

#### trap -l lists signals
trap -l | head -1

#### ERR trap
trap 'echo "err at $LINENO"' ERR
false
true
echo done

#### ERR trap not in conditions
trap 'echo err' ERR
if false; then :; fi
false || true
echo done

#### RETURN trap
f() { trap 'echo returning' RETURN; echo in-f; }
f
echo after

#### DEBUG trap runs before commands
trap 'echo "debug: $BASH_COMMAND"' DEBUG
echo one
trap - DEBUG
echo two

#### multi-line trap handler printed
trap 'echo one
echo two' EXIT
trap -p EXIT

#### EXIT trap in a subshell
( trap 'echo sub-exit' EXIT; echo in-sub )
echo main

#### printf -v
printf -v out '%05d' 42
echo $out

#### printf %q
printf '%q\n' 'a b' "it's" '$x'

#### printf %b
printf '%b\n' 'a\tb' 'c\\d' '\0101'

#### printf character code
printf '%d %d\n' "'A" '"a'

#### printf %(fmt)T with a fixed time
TZ=UTC printf '%(%Y-%m-%d %H:%M)T\n' 0
TZ=UTC printf '%(%s)T\n' 86400

#### printf invalid number
printf '%d\n' abc
echo status $?

#### printf overflow
printf '%d\n' 99999999999999999999
echo status $?

#### printf reuses the format
printf '%s-%s\n' a b c

#### printf %x %o %e %g
printf '%x %X %o %e %g\n' 255 255 8 1.5 0.0001

#### printf width and precision from arguments
printf '%*d|%-*s|%.*f\n' 5 42 4 ab 2 3.14159

#### read -n reads some characters
echo abcdef | { read -n 3 x; echo $x; }

#### read -N reads exactly
printf 'ab\ncd' | { read -N 4 x; printf '%q\n' "$x"; }

#### read -d delimiter
printf 'a:b:c' | { read -d : x; echo $x; }

#### read -t timeout on nothing
sleep 1 | { read -t 0.1 x; echo status $?; }

#### read -u from a descriptor
exec 3< a.txt
read -u 3 line
echo $line
exec 3<&-

#### read -r keeps backslashes
echo 'a\b' | { read -r x; echo "$x"; }
echo 'a\b' | { read x; echo "$x"; }

#### read into REPLY
echo hello | { read; echo $REPLY; }

#### read -a and -d together
printf 'a b\nc d' | { read -d '' -a all; echo ${#all[@]}; }

#### wait with several pids
(exit 3) & a=$!
(exit 5) & b=$!
wait $a $b
echo status $?

#### wait for each pid
(exit 3) & a=$!
(exit 5) & b=$!
wait $a; echo a=$?
wait $b; echo b=$?

#### wait -n returns the first to finish
(sleep 0.6; exit 3) &
(sleep 0.1; exit 7) &
wait -n
echo status $?
wait

#### wait for an unknown pid
wait 99999
echo status $?

#### kill -l lists and converts
kill -l 9
kill -l KILL
kill -l 130
kill -L | head -1 | tr -s ' \t' ' '

#### kill -s and by name
sleep 5 & p=$!
kill -s TERM $p
wait $p
echo status $?

#### kill with a bad signal
kill -NOSUCH $$
echo status $?

#### exec with a named descriptor
exec {fd}>out.txt
echo "fd is a number: $(( fd >= 10 ))"
echo hello >&$fd
exec {fd}>&-
cat out.txt

#### named descriptor for reading
exec {in}<a.txt
read -u $in first
echo $first
exec {in}<&-

#### move a descriptor
exec 3>out.txt
exec 4>&3-
echo moved >&4
exec 4>&-
cat out.txt
echo hi >&3 2>/dev/null || echo closed

#### exec -a sets argv0
(exec -a myname bash -c 'echo $0')

#### command -v and -V
command -v echo
command -v ls
command -V echo
f() { :; }
command -V f | head -1
command -v nosuchcmd_zz
echo status $?

#### command -p uses a default path
PATH=/nonexistent
command -p ls a.txt

#### command skips functions
ls() { echo function; }
command ls a.txt

#### builtin runs the builtin
echo() { printf 'wrapped\n'; }
builtin echo real
builtin nosuchbuiltin
echo status $?

#### type -t -a -p -P
type -t echo ls if
f() { :; }
type -t f
type -P ls
type -p ls
type -p echo
echo status $?

#### type -a lists all
type -a true | head -2

#### hash -r and -t
hash ls
hash -t ls
hash -r
hash -t ls 2>/dev/null
echo status $?

#### ulimit -n and -S -H
ulimit -S -n 100
ulimit -n
ulimit -H -n >/dev/null && echo hard

#### ulimit really applies
(ulimit -f 1; head -c 4096 /dev/zero > big) 2>/dev/null; echo status $?

#### ulimit -a lists
ulimit -a | grep -c .

#### time keyword with TIMEFORMAT
TIMEFORMAT='took %0R'
time sleep 0 2>&1
{ time true; } 2>&1 | sed 's/[0-9]/N/g'

#### time of a pipeline goes to stderr
TIMEFORMAT=X
time true | true
echo done

#### pushd popd dirs
cd sub
pushd .. >/dev/null
dirs | sed "s|$HOME|~|g; s|/[^ ]*/work|W|g"
popd >/dev/null
pwd | sed 's|.*/||'

#### pushd prints the stack
pushd sub | sed 's|/[^ ]*/work|W|g'
popd | sed 's|/[^ ]*/work|W|g'

#### popd on an empty stack
popd
echo status $?

#### dirs -c -p -v
pushd sub >/dev/null
dirs -v | sed 's|/[^ ]*/work|W|g'
dirs -c
dirs | sed 's|/[^ ]*/work|W|g'

#### caller in a function
f() { caller; caller 0 | cut -d' ' -f2; }
f

#### cd -P resolves links
mkdir real
ln -s real link
cd -P link
pwd | sed 's|.*/||'
cd ..
cd -L link
pwd | sed 's|.*/||'

#### cd into a removed directory
mkdir gone
cd gone
rmdir ../gone
cd .
echo status $?

#### eval with -- and options
eval -- 'echo hi'

#### source with no argument
source
echo status $?

#### source a file with arguments
echo 'echo "args: $*"' > s.sh
source ./s.sh x y

#### exit with too many arguments
(exit 1 2)
echo status $?

#### exit with a bad argument
(exit abc)
echo status $?

#### return with a bad argument
f() { return xyz; }
f
echo status $?

#### set -- and set -
set -- a b c
echo $#
set -
echo $# $1
set -- 
echo $#

#### enable lists builtins
enable -a | grep -E '^enable (cd|echo|read)$'
enable cd && echo has-cd
