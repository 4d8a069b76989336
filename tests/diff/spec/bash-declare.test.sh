# declare, typeset, local, readonly, export: attributes and bash's dynamic scope.
## ref: bash-default

#### declare -i evaluates assignments
declare -i n=2+3
echo $n
n=n*2
echo $n
n+=1
echo $n

#### declare -i with a non-number is zero
declare -i n=abc
echo $n

#### declare -l and -u
declare -l lower=MiXeD
declare -u upper=MiXeD
echo $lower $upper
lower=AGAIN
echo $lower

#### -u then -l replaces the case attribute
declare -u x=abc
declare -l x
x=DEF
echo $x

#### declare -x exports
declare -x EXPORTED=yes
bash -c 'echo $EXPORTED'

#### declare +x stops exporting
export GONE=1
declare +x GONE
bash -c 'echo "[${GONE-unset}]"'

#### export -n stops exporting
export GONE=1
export -n GONE
bash -c 'echo "[${GONE-unset}]"'
echo $GONE

#### declare -r makes readonly
declare -r R=1
R=2
echo after $R
## stdout:
## status: 127
## note: assigning a readonly variable ends a script, as POSIX says and bash --posix does (bash's own mode only drops the line)

#### readonly error status in a builtin
readonly R=1
declare R=2
echo status $?

#### unset of a readonly variable
readonly R=1
unset R
echo status $? $R

#### declare -p of several kinds
declare -i n=1
declare -l l=x
declare -r r=2
export e=3
declare -p n l r e

#### declare -p of an unset name
declare -p nosuchvariable
echo status $?

#### declare -p with quotes in the value
v='say "hi" $HOME `x` \'
declare -p v

#### declare -p output reads back
v='a b'
declare -i n=5
s=$(declare -p v n)
unset v n
eval "$s"
echo "$v" $n
declare -p n

#### declare with no value leaves it unset
declare x
echo "[${x-unset}]"
declare -p x

#### typeset is declare
typeset -i t=1+1
echo $t

#### declare in a function is local
f() { declare x=in; echo $x; }
x=out
f
echo $x

#### declare -g in a function is global
f() { declare -g made=here; }
f
echo $made

#### local hides and restores
x=global
f() { local x=local; echo $x; }
f
echo $x

#### local without a value is unset
x=global
f() { local x; echo "[${x-unset}]"; }
f

#### local twice keeps the value
f() { local x=1; local x; echo $x; }
f

#### dynamic scope: a callee sees the caller's locals
g() { echo "g sees $x"; }
f() { local x=from-f; g; }
x=global
f

#### dynamic scope: a callee changes the caller's local
g() { x=changed-by-g; }
f() { local x=f; g; echo "f: $x"; }
x=global
f
echo "global: $x"

#### unset in a callee reveals the global
g() { unset x; }
f() { local x=local; g; echo "after g: ${x-unset}"; }
x=global
f

#### unset of own local leaves it unset
f() { local x=local; unset x; echo "${x-unset}"; }
x=global
f
echo $x

#### temporary binding for a function
f() { echo "in f: $v"; }
v=outer
v=temp f
echo "after: $v"

#### temporary binding is exported to children
f() { bash -c 'echo "child: $T"'; }
T=temporary f

#### local outside a function is an error
local x=1
echo status $?

#### local -i and local -r
f() { local -i n=2*3; local -r r=1; echo $n; (r=2); echo status $?; }
f 2>/dev/null

#### local readonly does not leak
f() { local -r r=1; }
f
r=2
echo $r

#### local export
f() { local -x LX=1; bash -c 'echo "child: $LX"'; }
f
echo "[${LX-unset}]"

#### local of a readonly is an error
readonly RO=1
f() { local RO=2; echo in $RO; }
f
echo status $?

#### nameref reads and writes through
declare -n ref=target
target=1
echo $ref
ref=2
echo $target

#### nameref to an array element
arr=(a b c)
declare -n el='arr[1]'
echo $el
el=B
echo ${arr[@]}

#### nameref to an array
arr=(x y)
declare -n r=arr
echo ${r[1]} ${#r[@]}
r[2]=z
echo ${arr[@]}

#### nameref in a function argument
set_it() { local -n out=$1; out="set by function"; }
set_it result
echo $result

#### nameref indirection gives the name
declare -n r=target
echo ${!r}

#### unset -n removes the reference only
target=keep
declare -n r=target
unset -n r
echo $target "[${r-unset}]"

#### unset through a nameref removes the target
target=x
declare -n r=target
unset r
echo "[${target-unset}]"

#### declare -n with an invalid name
declare -n r='1bad'
echo status $?

#### declare +i removes the attribute
declare -i n=1+1
declare +i n
n=1+1
echo $n

#### declare -p of exported and readonly variables
export ONLYME=1
readonly RONLY=1
declare -p ONLYME RONLY

#### declare -f prints a function and -F its name
f() { echo hi; }
declare -F f
declare -F | grep ' f$'
declare -f f >/dev/null && echo has-body

#### declare -f of a missing function fails
declare -f nosuchfunction
echo status $?

#### assignment arguments are not split
x="a   b"
declare y=$x
echo "$y"
local_test() { local z=$x; echo "$z"; }
local_test
export w=$x
echo "$w"

#### assignment arguments are not globbed
declare g=*.txt
echo "$g"

#### a dynamic name is split
x="p=1 q=2"
declare $x
echo $p $q

#### declare an invalid identifier
declare 1x=2
echo status $?
declare 'a b=3'
echo status $?

#### declare -a and -A together in separate calls
declare -a ia
declare -A aa
declare -p ia aa

#### declare -A m converts nothing else
declare -A m
m[x]=1
declare -A m
echo ${m[x]}

#### integer attribute on array elements
declare -ai arr=(1+1 2*3)
echo ${arr[@]}
arr+=(4+4)
echo ${arr[@]}

#### lowercase attribute on arrays
declare -al words=(ABC Def)
echo ${words[@]}

#### readonly array
declare -ra ro=(1 2)
ro[0]=x
echo ${ro[@]}

#### readonly -a
readonly -a consts=(a b)
echo ${consts[1]}

#### declare prints attributes with +
declare -i num=3
declare -p num

#### declare with no args lists variables
myvariable_1=hello
declare | grep '^myvariable_1='

#### set lists variables
myvariable_2='two words'
set | grep '^myvariable_2='

#### set lists arrays
myarray_3=(a 'b c')
set | grep '^myarray_3='

#### integer counter in a loop
declare -i count=0
for i in 1 2 3; do count+=i; done
echo $count

#### SECONDS can be set
SECONDS=100
echo $(( SECONDS >= 100 && SECONDS < 110 ))

#### RANDOM seeded repeats bash's sequence
RANDOM=42
echo $RANDOM $RANDOM $RANDOM
RANDOM=7
a=$RANDOM
RANDOM=7
b=$RANDOM
[ "$a" = "$b" ] && echo same

#### RANDOM is in range
for i in 1 2 3 4 5; do r=$RANDOM; (( r >= 0 && r < 32768 )) || echo bad; done
echo ok

#### unset RANDOM makes it ordinary
unset RANDOM
RANDOM=5
echo $RANDOM $RANDOM
