# More of bash's forms as scripts use them: arrays with IFS and read, slices, scope, printf.
## ref: bash-default

#### read -ra with a comma IFS
IFS=, read -ra parts <<< "a,b c,d"
printf '<%s>' "${parts[@]}"; echo

#### read -a keeps backslashes with -r
read -ra w <<< 'a\b c'
echo "${w[0]}"

#### read into several names, the last takes the rest
read a b <<< "one two three"
echo "$a|$b"

#### read with an empty IFS keeps blanks
IFS= read -r line <<< "  padded  "
echo "[$line]"

#### read fails at end of input
printf 'no newline' | { read x; echo "status $? [$x]"; }

#### append an array to itself
a=(1 2)
a=("${a[@]}" 3 "${a[@]}")
echo ${a[@]} ${#a[@]}

#### quoted slices keep elements
a=("a b" c "d e")
printf '<%s>' "${a[@]:1}"; echo
printf '<%s>' "${a[@]:0:2}"; echo

#### replace in the joined star form
a=(x y z)
echo "${a[*]// /_}"
IFS=-
echo "${a[*]}"

#### count with star
a=(1 2 3)
echo ${#a[*]}

#### unset with an unquoted subscript
a=(1 2 3)
unset a[0]
echo ${a[@]}

#### array element with a default in a function
f() { local -a arr=("$@"); echo "${arr[0]:-none} ${#arr[@]}"; }
f
f x y

#### iterate over indexes of a sparse array
a=([2]=b [5]=e)
for i in "${!a[@]}"; do printf '%s:%s ' "$i" "${a[$i]}"; done; echo

#### max index of an array
a=([3]=x [9]=y)
keys=("${!a[@]}")
echo "${keys[-1]}"

#### array as a stack
stack=()
stack+=(a); stack+=(b); stack+=(c)
echo "top ${stack[-1]}"
unset 'stack[-1]'
echo "now ${stack[*]}"

#### associative counting words
declare -A count
for w in a b a c a b; do (( count[$w]++ )); done
for w in a b c; do echo "$w ${count[$w]}"; done

#### associative array of arrays of strings
declare -A paths=([home]=/home [root]=/root)
echo "${paths[home]} ${paths[root]}"

#### associative with quoted keys containing brackets
declare -A m
m['a]b']=1
echo "${m['a]b']}"

#### associative key from a command substitution
declare -A m
m[$(echo key)]=value
echo ${m[key]}

#### test if a key exists
declare -A m=([k]=1)
if [[ -n ${m[k]+set} ]]; then echo has; fi
if [[ -z ${m[z]+set} ]]; then echo hasnot; fi

#### positional slices
set -- a b c d
echo "${@:2}" "|" "${@:2:2}" "|" "${@: -1}"
echo "${*:3}"

#### length of positional parameters
set -- a bb ccc
echo ${#@} ${#*} ${#1} ${#3}

#### case change on a whole array
a=(one two)
echo "${a[@]^}" "${a[@]^^}"

#### nameref loop over variable names
x1=a x2=b
for name in x1 x2; do declare -n ref=$name; echo "$name=$ref"; done

#### nameref to an associative array
declare -A conf=([port]=80)
show() { local -n c=$1; echo "port ${c[port]}"; }
show conf

#### local arrays do not leak
f() { local -a tmp=(1 2 3); }
f
echo "[${tmp[*]}] ${#tmp[@]}"

#### function modifies a global array
add() { items+=("$1"); }
items=()
add one; add two
echo "${items[@]}"

#### declare -p of a function-local array
f() { local -a l=(x); declare -p l; }
f

#### declare -g array inside a function
f() { declare -ga garr=(1 2); }
f
echo ${garr[1]}

#### printf -v into an associative element
declare -A m
printf -v 'm[key]' '%d' 42
echo ${m[key]}

#### printf with an array as arguments
a=(x y z)
printf '%s,' "${a[@]}"; echo
printf '[%s %s]\n' "${a[@]}"

#### printf %q of an array for reuse
a=("a b" 'c$d')
printf '%q ' "${a[@]}"; echo

#### mapfile then loop
printf 'l1\nl2\nl3\n' > f
mapfile -t lines < f
for l in "${lines[@]}"; do echo "-$l-"; done

#### mapfile with a callback
printf 'a\nb\nc\n' | { mapfile -t -C 'echo cb' -c 1 x; echo ${#x[@]}; }

#### array of numbers summed in arithmetic
nums=(3 4 5)
total=0
for n in "${nums[@]}"; do (( total += n )); done
echo $total $(( ${nums[0]} * ${nums[2]} ))

#### arithmetic on elements with subscripts in variables
a=(1 2 3)
i=0 j=2
echo $(( a[i] + a[j] ))
(( a[j] *= 10 ))
echo ${a[@]}

#### associative iteration order is stable
declare -A m=([one]=1 [two]=2 [three]=3 [four]=4)
echo "${!m[@]}"
echo "${m[@]}"

#### unset every element one by one
a=(1 2 3)
for i in "${!a[@]}"; do unset "a[$i]"; done
echo "${#a[@]} [${a[*]}]"

#### the element past the end is empty
a=(1 2)
echo "[${a[2]}]" "[${a[10]}]"

#### subscript with spaces and arithmetic
a=(10 20 30)
echo ${a[ 1 + 1 ]} ${a[$(( 0 ))]}

#### string of digits as index
a=(a b c)
i=02
echo ${a[i]}

#### IFS join of positional parameters in a string
set -- x y z
IFS=:
echo "$*" "${*}"

#### dollar at in an assignment joins with spaces
set -- x y z
v="$@"
echo "$v"

#### dollar star unquoted with empty IFS
set -- "a b" c
IFS=
for w in $*; do echo "[$w]"; done

#### export an array element is not possible, a scalar is
x=1
export x
env | grep -c '^x=1$'

#### declare -x on a function argument style
f() { declare -x FV=inner; bash -c 'echo $FV'; }
f
echo "[${FV-unset}]"

#### typeset -p of a readonly integer
typeset -ri ri=5
typeset -p ri

#### declare with several names and values
declare a=1 b c=3
echo "$a ${b-unset} $c"

#### declare -i applies to later assignments only
x=5+5
declare -i x
echo $x
x=5+5
echo $x

#### integer variable in a string context
declare -i n=7
s="value: $n"
echo "$s"

#### the nameref name itself
declare -n r=target
declare -p r

#### extglob in an array pattern operation
shopt -s extglob
a=(foo.c bar.h baz.c)
echo "${a[@]%.@(c|h)}"

#### globstar into an array
mkdir -p g/h
touch g/1.txt g/h/2.txt
shopt -s globstar
files=(g/**/*.txt)
echo ${#files[@]} "${files[@]}"

#### nullglob makes an empty array
shopt -s nullglob
files=(*.none)
echo ${#files[@]}

#### array of globs with dotglob
shopt -s dotglob
all=(*)
echo ${#all[@]}

#### let with several expressions
let 'a = 2' 'b = a * 3'
echo $a $b

#### let status follows the last value
let 'x = 0'
echo $?
let 'x = 5'
echo $?

#### $_ after a pipeline and after an assignment
echo one two
v=assign
echo "$_"

#### caller without a function fails
caller
echo status $?
