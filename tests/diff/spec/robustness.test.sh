# Sizes, depths, signals and process plumbing that a Python shell can get wrong.

#### builtin loop in a pipeline stops when the reader exits
while true; do echo y; done | head -n 2

#### function recursion 1000 deep
f() { [ $1 -gt 0 ] && f $(($1 - 1)); return 0; }
f 1000
echo ok

#### here document larger than a pipe buffer
x=$(printf '%080d\n' $(seq 1 2000))
cat <<EOT | wc -c
$x
EOT

#### here string larger than a pipe buffer
x=$(printf '%080d\n' $(seq 1 2000))
wc -c <<< "$x"

#### command substitution of a megabyte
x=$(seq 1 150000)
echo ${#x}

#### many positional parameters
set -- $(seq 1 3000)
echo $# ${3000}

#### twenty stage pipeline
echo through | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat

#### many file descriptors at once
exec 3>f3 4>f4 5>f5 6>f6 7>f7 8>f8 9>f9
for n in 3 4 5 6 7 8 9; do eval "echo fd$n >&$n"; done
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
cat f3 f4 f5 f6 f7 f8 f9

#### background job stdin is dev null without job control
echo input | { cat & wait; }
## ref: dash
## note: POSIX gives an asynchronous list /dev/null as stdin when job control is off; bash --posix still lets it read the pipe

#### read from empty pipe returns 1
: | read x
echo $?

#### wait for unknown pid
wait 99999
echo $?

#### kill of a missing process fails
kill 99999 2>/dev/null
echo $?

#### trap USR1
trap 'echo got-usr1' USR1
kill -USR1 $$
echo after

#### trap set inside function persists
f() { trap 'echo bye-from-f' EXIT; }
f
echo body

#### signal ignored at start is inherited by child
trap '' INT
sh -c 'kill -INT $$; echo child-survived'

#### trap handler does not leak into child
trap 'echo parent-trap' TERM
sh -c 'kill -TERM $$; echo child-not-here'
echo $?

#### command -v alias
alias ll='ls -l'
command -v ll

#### type of alias
alias ll='ls -l'
type ll

#### PATH change for one command
mkdir bin1
printf '#!/bin/sh\necho tool-one\n' > bin1/tool
chmod +x bin1/tool
PATH=$PWD/bin1:$PATH tool
tool 2>/dev/null || echo not-on-path

#### empty PATH finds nothing
PATH=/nonexistent
ls 2>/dev/null
echo $?

#### hash forgets after PATH assignment
mkdir b1 b2
printf '#!/bin/sh\necho first\n' > b1/t
printf '#!/bin/sh\necho second\n' > b2/t
chmod +x b1/t b2/t
PATH=$PWD/b1:/usr/bin:/bin
t
PATH=$PWD/b2:/usr/bin:/bin
t

#### values with newlines and quotes survive export
export V="line1
it's \"q\""
sh -c 'printf "%s\n" "$V"'

#### long argument list to external command
set -- $(seq 1 5000)
printf '%s\n' "$@" | tail -n 1

#### deep nested command substitution
echo $(echo $(echo $(echo $(echo $(echo $(echo $(echo $(echo deep))))))))

#### deep nested subshells
( ( ( ( ( ( ( ( ( (echo nested) ) ) ) ) ) ) ) ) )

#### output of a crashed child does not stop the script
sh -c 'kill -SEGV $$'
echo $?

#### exit status above 128 from a shell exit
sh -c 'exit 200'
echo $?

#### dollar bang of a background pipeline
sleep 0 | sleep 0 &
test -n "$!" && echo has-pid
wait
