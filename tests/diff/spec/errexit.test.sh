# set -e, set -u and set -x in their finer contexts.

#### set -e ignored inside a function called on the left of or
set -e
f() { false; echo after-false; }
f || echo failed

#### set -e subshell failure stops the parent
set -e
(false; echo in-sub)
echo not-reached

#### set -e inherited by command substitution in posix mode
set -e
x=$(false; echo printed)
echo "[$x]"

#### set -e and list that fails on the left
set -e
false && echo x
echo reached

#### set -e while condition failing
set -e
while false; do :; done
echo reached

#### set -e else branch failure exits
set -e
if false; then :; else false; fi
echo not-reached

#### set -e group on the left of or
set -e
{ false; echo no-exit-in-group; } || echo handled

#### set -e command not found exits
set -e
no_such_command_qq 2>/dev/null
echo not-reached

#### set -e last command of and list failing exits
set -e
true && false
echo not-reached

#### set -e in function body exits the shell
set -e
f() { false; echo not-here; }
f
echo not-reached

#### set -e ignored in until condition
set -e
until true; do :; done
echo reached

#### set -e with failing command in a pipeline middle
set -e
false | false | true
echo reached

#### set -e return nonzero from function exits
set -e
f() { return 3; }
f
echo not-reached

#### set -e case body failure exits
set -e
case x in x) false;; esac
echo not-reached

#### set -u length of unset variable errors
set -u
echo ${#nope}
echo not-reached

#### set -u missing positional parameter errors
set -u
echo $1
echo not-reached

#### set -u question mark without message
set -u
: ${x?}
echo not-reached

#### set -u unset then default
set -u
x=1
unset x
echo "${x:-ok}"

#### set -u in arithmetic
set -u
echo $((nope + 1))
echo not-reached

#### set -x traces command substitution
{ set -x; x=$(echo a); } 2>&1
## ref: dash
## note: bash repeats PS4's first character once per substitution level (`++`), an extension POSIX does not describe; dash prints one `+`

#### set -x traces a pipeline
{ set -x; echo a | cat; } 2>&1 | sort

#### set -x quotes arguments with spaces
{ set -x; echo 'a b' "" c; } 2>&1

#### set +x stops tracing
{ set -x; echo on; set +x; echo off; } 2>&1

#### wait interrupted by a trapped signal
trap 'echo got-usr1' USR1
(sleep 0.3; kill -USR1 $$) &
sleep 1 &
wait
echo "status $?"
