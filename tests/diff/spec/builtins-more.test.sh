# Finer points of the core builtins.

#### dot searches PATH not the current directory
echo 'echo found' > lib.sh
. lib.sh
echo not-reached

#### dot finds a file on PATH
mkdir libdir
echo 'echo from-path' > libdir/mylib.sh
PATH=$PWD/libdir:$PATH
. mylib.sh

#### alias with no arguments lists all
alias a1='echo 1' a2='echo 2'
alias

#### alias defined on the same line is not used yet
alias x='echo y'; x
echo $?

#### unalias -a removes all
alias a1='echo 1' a2='echo 2'
unalias -a
alias
echo $?

#### shift with no parameters fails
shift
echo $?

#### shift zero
set -- a b
shift 0
echo $#

#### break outside a loop
break
echo $?

#### continue with zero is an error
for i in 1; do continue 0; done
echo $?

#### cd through CDPATH prints the directory
mkdir -p base/target
CDPATH=$PWD/base
cd target | sed 's|.*/base|base|'

#### cd dotdot from a symlink is logical
ln -s sub/ lnk
cd lnk
cd ..
pwd | sed 's|.*/||'

#### umask symbolic set
umask u=rwx,g=,o=
umask

#### trap with a signal number
trap 'echo t15' 15
kill -15 $$
echo after

#### PS4 changes the trace prefix
PS4='> '
{ set -x; echo a; } 2>&1

#### kill -s option
trap 'echo got-it' TERM
kill -s TERM $$
echo after

#### local with several names
f() { local a=1 b; b=2; echo $a$b; }
f
echo "[$a$b]"

#### local keeps the caller value after return
x=outer
f() { local x; x=inner; g; }
g() { echo "g sees $x"; }
f
echo "$x"

#### export of several names
export A1=1 A2=2
sh -c 'echo $A1$A2'

#### readonly without value then assignment
readonly LATER
LATER=1 2>/dev/null
echo not-reached

#### set option letters in dollar minus
set -e -u -f
echo $- | grep -o '[efu]' | sort | tr -d '\n'; echo

#### set plus o prints commands
set -o noglob
set +o | grep noglob

#### set -- with dash arguments
set -- -x -y
echo "$1 $2 $#"

#### set with no dash dash and words
set a b c
echo $#

#### eval with positional parameters
set -- one two
eval 'echo $2 $1'

#### eval return status in function
f() { eval 'return 7'; echo no; }
f; echo $?

#### exec with redirection of stdin
echo 'from file' > in.txt
exec < in.txt
read line
echo "$line"

#### command -v for a path
command -v /bin/sh

#### readonly through command still blocks assignment
command readonly X=1
X=2 2>/dev/null
echo still-running

#### type of several names
type true cd | sed 's|/usr/bin/|/bin/|'

#### wait with a job that ignores nothing
sleep 0.1 &
sleep 0.1 &
wait
echo all-done

#### true ignores arguments and redirections
true --help > /dev/null
echo $?

#### false status is 1
false extra args
echo $?

#### getopts OPTARG empty option argument
set -- -a ''
getopts a: o
echo "[$o] [$OPTARG] $OPTIND"

#### getopts numbers in optstring
set -- -1 -2
while getopts 12 o; do echo $o; done

#### read -r with backslash at end
printf 'a\\\n' | { read -r x; echo "[$x]"; }

#### read multiple lines in a loop with IFS comma
printf 'a,b\nc,d\n' | while IFS=, read x y; do echo "$y$x"; done

#### printf with no trailing newline and echo after
printf 'no-newline'; echo

#### printf with a format beginning with a dash
printf -- '-%s-\n' dash

#### echo with option-like arguments after a word
echo word -n -e

#### type names special builtins
type export :

#### type of bracket and command -v of keyword
type [
command -v [ if

#### command -V describes
command -V cd

#### hash with an empty table
hash
echo $?

#### assigning a readonly variable with readonly ends the script
readonly a=1
readonly a=2
echo not-reached

#### assigning a readonly variable with export ends the script
readonly a
export a=2
echo not-reached
