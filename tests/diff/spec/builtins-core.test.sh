# cd, pwd, exit, export, unset, readonly, set, eval, source, exec, type, command, alias, umask, kill, wait, trap.

#### cd and pwd
cd sub
pwd | sed 's|.*/||'

#### cd updates PWD and OLDPWD
start=$PWD
cd sub
test "$OLDPWD" = "$start" && echo oldpwd-ok
test "$PWD" = "$start/sub" && echo pwd-ok

#### cd dash returns and prints
cd sub
cd - | sed 's|.*/||'
pwd | sed 's|.*/||'

#### cd without argument goes home
cd
test "$PWD" = "$HOME" && echo at-home

#### cd to missing directory fails
cd /no/such/dir
echo $?
## compare: stderr

#### cd dotdot
cd sub
cd ..
pwd | sed 's|.*/||'

#### cd to file fails
cd a.txt
echo $?

#### pwd after cd with symlink logical
ln -s sub link
cd link
pwd | sed 's|.*/||'
pwd -P | sed 's|.*/||'

#### exit with status
exit 7

#### exit without status uses last
false
exit

#### exit in brace group stops everything
{ exit 3; }
echo not-here

#### exit status modulo 256
exit 300

#### exit with bad argument
exit abc
## compare: stderr

#### export to child
export V=exported
sh -c 'echo $V'

#### unexported not seen by child
V=local
sh -c 'echo "[$V]"'

#### export after assignment
V=later
export V
sh -c 'echo $V'

#### export dash p output can be read back by sh
export ZZZ_TEST='a b'
export -p | grep ZZZ_TEST= > saved.sh
sh -c '. ./saved.sh; echo "[$ZZZ_TEST]"'

#### unset removes exported variable from child
export V=1
unset V
sh -c 'echo "[${V-unset}]"'

#### unset readonly fails
readonly R=1
unset R
echo $?

#### readonly assignment fails
readonly R=1
R=2
echo not-reached

#### readonly in subshell keeps shell running
readonly R=1
(R=2) 2>/dev/null
echo status $?

#### readonly dash p output can be read back by sh
readonly RO_TEST='x  y'
readonly -p | grep RO_TEST= > saved.sh
sh -c '. ./saved.sh; echo "[$RO_TEST]"'

#### set positional parameters
set -- one two three
echo $# $2

#### set -e exits on failure
set -e
false
echo not-reached

#### set -e ignores condition
set -e
if false; then :; fi
false || echo handled
echo still-running

#### set -e ignores negated command
set -e
! true
echo still-running

#### set -e exit status
set -e
(exit 4)
echo no

#### set -e in and-list left side
set -e
false && true
echo continues

#### set +e turns off
set -e
set +e
false
echo continues

#### set -x traces to stderr
set -x
echo traced 2>/dev/null

#### set -o lists option state
set -o pipefail
set -o | grep pipefail | tr -s ' \t' ' '

#### set -o noglob
set -o noglob
echo *

#### set -u variable error status
set -u
(echo $nope) 2>/dev/null
echo $?

#### eval simple
eval 'echo evaluated'

#### eval builds command
cmd='x=5'
eval $cmd
echo $x

#### eval concatenates arguments
eval echo one two

#### eval status
eval false; echo $?
eval; echo $?

#### eval with syntax error
eval 'if then'
echo status $?

#### eval defines function
eval 'f() { echo from-eval; }'
f

#### source file
echo 'sourced_var=yes' > lib.sh
. ./lib.sh
echo $sourced_var

#### source keyword
echo 'echo in-source $1' > lib.sh
source ./lib.sh arg

#### source return stops file
printf 'echo a\nreturn 3\necho b\n' > lib.sh
. ./lib.sh
echo $?

#### source missing file
. ./missing.sh
echo not-reached

#### exec replaces shell
exec echo replaced
echo not-reached

#### exec with only redirections keeps shell
exec 4> four.txt
echo x >&4
echo still
cat four.txt

#### exec missing command
exec no_such_command_xyz
echo not-reached

#### type of builtin
type cd

#### type of function
f() { :; }
type f | head -n 1

#### type of keyword
type if

#### type of missing
type no_such_cmd_xyz
echo $?

#### type of external command
type ls | sed 's|/usr/bin/ls|/bin/ls|'

#### command -v builtin and external
command -v echo
command -v sh | sed 's|/usr/bin/sh|/bin/sh|'

#### command -v missing
command -v no_such_cmd_xyz
echo $?

#### command -v function
f() { :; }
command -v f

#### command runs builtin
command echo via-command

#### alias expands in script in posix mode
alias hi='echo aliased'
hi

#### alias with arguments
alias say='echo said'
say more

#### unalias
alias hi='echo aliased'
unalias hi
hi 2>/dev/null
echo $?

#### alias listing
alias ll='ls -l'
alias ll

#### umask set and print
umask 027
umask

#### umask affects new files
umask 077
: > private.txt
ls -l private.txt | cut -c1-10

#### umask symbolic
umask 022
umask -S

#### kill sends signal to background job
sleep 10 &
kill $!
wait $!
echo $?

#### kill with named signal
sleep 10 &
kill -KILL $!
wait $!
echo $?

#### kill -l lists names
kill -l 15

#### wait for several jobs
(exit 2) &
(exit 3) &
wait
echo $?

#### trap on exit
trap 'echo bye' EXIT
echo hi

#### trap on exit runs after exit
trap 'echo cleanup' EXIT
exit 3

#### trap on TERM
trap 'echo got-term' TERM
kill -TERM $$
echo after

#### trap on INT
trap 'echo got-int' INT
kill -INT $$
echo after

#### trap on HUP
trap 'echo got-hup' HUP
kill -HUP $$
echo after

#### trap reset to default
trap 'echo x' TERM
trap - TERM
kill -TERM $$
echo not-reached

#### trap ignore signal
trap '' TERM
kill -TERM $$
echo survived

#### trap listing
trap 'echo x' EXIT
trap

#### trap exit status variable
trap 'echo status $?' EXIT
false

#### hash builtin after command
hash ls 2>/dev/null
echo $?

#### help exists
help cd > /dev/null
echo $?

#### builtin true false colon statuses
true; a=$?; false; b=$?; :; c=$?
echo $a $b $c

#### getopts loop
set -- -a -b val file
while getopts ab: opt; do
  case $opt in
    a) echo flag-a;;
    b) echo "flag-b=$OPTARG";;
  esac
done
shift $((OPTIND - 1))
echo "rest: $*"
