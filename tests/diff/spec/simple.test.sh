# Simple commands, assignments, comments, line continuation, keywords as words.

#### echo words
echo hello world

#### external command with arguments
printf '%s\n' one two | cat

#### absolute path command
/bin/echo via path

#### assignment alone
x=hello
echo $x

#### several assignments on one line
a=1 b=2 c=3
echo $a$b$c

#### assignment uses earlier assignment
a=1 b=$a
echo $b

#### assignment prefix is seen by external command
FOO=bar sh -c 'echo $FOO'

#### assignment prefix does not persist after external command
FOO=bar sh -c true
echo "[${FOO-unset}]"

#### assignment prefix does not change the expansion of the same command
x=old
x=new echo $x
echo $x

#### assignment prefix on a special builtin persists
x=old
x=new :
echo $x

#### assignment prefix on a regular builtin does not persist
x=old
x=new true
echo $x

#### assignment prefix on export env
A=1 env | grep '^A='

#### assignment prefix on a function is visible inside
f() { echo "in f: $v"; }
v=inside f

#### assignment value is not field split
x="a   b"
y=$x
echo "$y"

#### assignment value is not globbed
x=*.txt
echo "$x"

#### tilde in assignment value after colon
x=~/a:~/b
test "$x" = "$HOME/a:$HOME/b" && echo expanded

#### comment at start of line
# a comment
echo after

#### comment after command
echo visible # not this

#### hash inside a word is not a comment
echo a#b

#### line continuation joins words
echo con\
tinued

#### line continuation between commands
echo one \
  two

#### keywords are ordinary words in argument position
echo if then else fi do done case esac

#### keyword quoted is a command name
'if' 2>/dev/null
echo $?

#### lone semicolon is a syntax error
;
echo not reached

#### command name from expansion
cmd=echo
$cmd via variable

#### empty expansion as command is no command
empty=
$empty
echo status $?

#### empty expansion with redirection still creates file
$nothing > created.txt
ls created.txt

#### true and false
true; echo $?; false; echo $?

#### colon builtin ignores arguments
: these are ignored; echo $?

#### command not found status 127
nonexistent_cmd_xyz
echo $?
## compare: stderr

#### not executable status 126
printf 'echo hi\n' > script.sh
./script.sh
echo $?
## compare: stderr

#### directory as command status 126
./sub
echo $?

#### executable script without shebang runs with sh
printf 'echo from script\n' > s.sh
chmod +x s.sh
./s.sh

#### exit status of last command in script
false
