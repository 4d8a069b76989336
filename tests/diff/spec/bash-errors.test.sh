# Errors and exits as bash: arithmetic errors, fatal expansions, set -u, set -e.
# An arithmetic error ends a script in POSIX (and bash --posix, and pysh) but only the
# command line in bash's own mode: those cases run in a subshell, where both agree.
## ref: bash-default

#### division by zero aborts the command
(echo $(( 1 / 0 )); echo not-reached)
echo status $?

#### division by zero in (( ))
(( x = 1 / 0 ))
echo status $?

#### remainder by zero
(echo $(( 5 % 0 )); echo not-reached)
echo status $?

#### bad octal constant
(echo $(( 08 )); echo not-reached)
echo status $?

#### bad hex constant
(echo $(( 0x )); echo not-reached)
echo status $?

#### bad base digit
echo $(( 64#z ))
(echo $(( 2#102 )); echo not-reached)
echo status $?

#### base out of range
(echo $(( 65#1 )); echo not-reached)
echo status $?

#### valid bases
echo $(( 2#101 )) $(( 8#17 )) $(( 16#ff )) $(( 36#z )) $(( 64#_ )) $(( 64#@ ))

#### negative exponent
(echo $(( 2 ** -1 )); echo not-reached)
echo status $?

#### invalid assignment target
(echo $(( 1 = 2 )); echo not-reached)
echo status $?

#### assignment to a non-variable in let
let '3 += 1'
echo status $?

#### arithmetic syntax error
(echo $(( 1 + )); echo not-reached)
echo status $?

#### unbalanced parentheses
(echo $(( (1 + 2 )); echo not-reached)
echo status $?

#### arithmetic error in a for (( ))
for (( i = 0; i < 1/0; i++ )); do echo never; done
echo status $?

#### arithmetic error in an array subscript
a=(1 2)
(echo ${a[1/0]}; echo not-reached)
echo status $?

#### integer overflow wraps
echo $(( 9223372036854775807 + 1 ))
echo $(( -9223372036854775808 - 1 ))

#### comma and ternary
echo $(( a = 1, b = a + 1, a > b ? a : b ))

#### pre and post increment
i=5
echo $(( i++ )) $i $(( ++i )) $(( i-- )) $(( --i ))

#### bit operations and shifts
echo $(( 5 & 3 )) $(( 5 | 3 )) $(( 5 ^ 3 )) $(( ~5 )) $(( 1 << 4 )) $(( 256 >> 2 ))

#### logical operators short-circuit
x=0
echo $(( 0 && (x = 1) )) $x $(( 1 || (x = 2) )) $x

#### variable holding an expression
e='2 * 3'
echo $(( e + 1 )) $(( e ))

#### recursion through variables
a=b b=c c=7
echo $(( a ))

#### nounset error in arithmetic
set -u
echo $(( nosuch + 1 ))
echo not-reached

#### set -u exits a script with the unset name
set -u
echo "$nosuchvar"
echo not-reached

#### set -u allows defaults and $@
set -u
echo "${nosuch-default}" "${nosuch:-x}" "$@" "${#@}"
echo reached

#### set -u in a function
set -u
f() { echo "$1"; }
f
echo not-reached

#### set -e stops at a failing command
set -e
false
echo not-reached

#### set -e ignores conditions
set -e
if false; then :; fi
false || true
! true
while false; do :; done
echo reached

#### set -e with a failing redirection on a compound command
set -e
{ echo in; } > /nonexistent/dir/file
echo not-reached

#### set -e with a failing redirection on a simple command
set -e
echo x > /nonexistent/dir/file
echo not-reached

#### set -e in a subshell
set -e
(false; echo not-in-sub)
echo not-reached

#### set -e and a pipeline
set -e
false | true
echo reached
true | false
echo not-reached

#### set -e with pipefail
set -eo pipefail
false | true
echo not-reached

#### set -e in a function called in a condition
set -e
f() { false; echo still-in-f; }
if f; then echo then; fi
echo reached

#### set -e with && lists
set -e
true && false
echo not-reached

#### set -e ends on the last command of an && list only
set -e
false && true
echo reached

#### failed exec ends the shell
exec /nonexistent/program
echo not-reached

#### failed exec status 126
touch notexec
exec ./notexec
echo not-reached

#### command not found status
nosuchcommand_xyz 2>/dev/null
echo status $?

#### not executable status
touch plain
./plain 2>/dev/null
echo status $?

#### a directory is not a command
./sub 2>/dev/null
echo status $?

#### bad substitution at run time
x=abc
echo ${x:1:-5}
echo next

#### expansion error in a redirect word
set -u
echo hi > "$nosuch"
echo not-reached

#### empty redirect target
f=
echo hi > $f
echo status $?

#### error in case word
set -u
case $nosuch in *) echo matched ;; esac
echo not-reached

#### error in [[ ]]
set -u
[[ $nosuch == x ]]
echo not-reached

#### exit status of a killed command
{ sh -c 'kill -TERM $$'; } 2>/dev/null
echo status $?

#### exit status wraps at 256
(exit 257)
echo $?
(exit -1)
echo $?

#### break outside a loop
break 2>/dev/null
echo status $?

#### shift too far
set -- a
shift 2 2>/dev/null
echo status $? $#

#### readonly assignment in a function call prefix
readonly R=1
R=2 true 2>/dev/null
echo status $?
## stdout:
## status: 127
## note: assigning a readonly variable ends a script, as POSIX says and bash --posix does (bash's own mode goes on)

#### unset a readonly array element
declare -ra ra=(1 2)
unset 'ra[0]'
echo status $? ${ra[@]}
