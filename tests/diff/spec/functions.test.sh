# Function definitions, recursion, return, local, positional parameters.

#### define and call
greet() { echo "hello $1"; }
greet world

#### function keyword-free definition on several lines
f()
{
  echo body
}
f

#### function with subshell body
f() (x=inner; echo $x)
x=outer
f
echo $x

#### function arguments are positional
f() { echo "$# args: $1 $2"; }
f a b

#### positional restored after function
set -- outer
f() { echo $1; }
f inner
echo $1

#### dollar zero unchanged in function
f() { echo "$0"; }
f
## argv: myname

#### return status
f() { return 3; }
f; echo $?

#### return without value uses last status
f() { false; return; }
f; echo $?

#### function status is last command
f() { true; false; }
f; echo $?

#### return stops the function
f() { echo before; return 0; echo after; }
f

#### recursion factorial
fact() {
  if [ $1 -le 1 ]; then echo 1; return; fi
  echo $(( $1 * $(fact $(( $1 - 1 ))) ))
}
fact 6

#### recursion depth with counters
count() { [ $1 -eq 0 ] && return; echo $1; count $(( $1 - 1 )); }
count 3

#### fibonacci recursion
fib() {
  if [ $1 -lt 2 ]; then echo $1; return; fi
  echo $(( $(fib $(($1-1))) + $(fib $(($1-2))) ))
}
fib 7

#### functions share globals
f() { g=set-in-f; }
f
echo $g

#### local variable
x=global
f() { local x=local; echo $x; }
f
echo $x

#### local without value
x=global
f() { local x; x=changed; echo $x; }
f
echo $x

#### local visible in called function
f() { local v=from-f; g; }
g() { echo $v; }
f

#### local in nested call shadows
v=0
f() { local v=1; g; echo f:$v; }
g() { v=2; }
f
echo top:$v

#### local outside function is an error
local x=1
echo $?

#### redefine function
f() { echo one; }
f() { echo two; }
f

#### unset function
f() { echo f; }
unset -f f
f 2>/dev/null
echo $?

#### function name same as external command
ls() { echo fake ls; }
ls

#### command skips function
echo() { printf 'fn\n'; }
command echo real

#### function with redirection in definition
f() { echo redirected; } > fout.txt
f
cat fout.txt

#### function called in pipeline
f() { tr a-z A-Z; }
echo pipe | f

#### function in command substitution
f() { echo sub; }
echo "[$(f)]"

#### function modifies positional with set
f() { set -- x y z; echo $#; }
f a
echo $#
## argv: zero one

#### shift in function
f() { shift; echo "$@"; }
f a b c

#### dollar at and star in function
f() { printf '[%s]' "$@"; echo; printf '[%s]' "$*"; echo; }
f "a b" c

#### return outside function is an error
return 2>/dev/null
echo $?

#### exit in function exits shell
f() { exit 4; }
f
echo not-here

#### return value above 255 wraps
f() { return 257; }
f; echo $?

#### break inside function does not affect caller loop
f() { break 2>/dev/null; }
for i in 1 2; do f; echo $i; done
