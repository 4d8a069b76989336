# bash's indexed and associative arrays, against bash in its own mode.
## ref: bash-default

#### literal and element
a=(x y z)
echo ${a[0]} ${a[2]} $a

#### quoted elements keep their spaces
a=("one two" three)
printf '<%s>\n' "${a[@]}"

#### at and star, quoted and not
a=("a b" c)
printf '<%s>' "${a[@]}"; echo
printf '<%s>' "${a[*]}"; echo
printf '<%s>' ${a[@]}; echo
printf '<%s>' ${a[*]}; echo

#### star joins with the first IFS character
a=(x y z)
IFS=:
echo "${a[*]}"
IFS=
echo "${a[*]}"

#### count of elements and length of one
a=(apple b "c d")
echo ${#a[@]} ${#a[*]} ${#a[0]} ${#a[2]} ${#a}

#### keys of an indexed array
a=(x y z)
echo ${!a[@]}
printf '<%s>' "${!a[*]}"; echo

#### sparse array
a=([3]=c [1]=a [7]=g)
echo ${a[@]}
echo ${!a[@]}
echo ${#a[@]}

#### element assignment grows the array
a[5]=five
a[0]=zero
echo ${a[@]} / ${!a[@]}

#### arithmetic subscripts
a=(10 20 30 40)
i=1
echo ${a[i]} ${a[i+1]} ${a[$i*2]} ${a[ 3 ]}

#### negative subscripts
a=(1 2 3 4)
echo ${a[-1]} ${a[-2]}
a[-1]=last
echo ${a[@]}

#### negative subscript out of range is an error
a=(1 2)
echo ${a[-3]}
echo after

#### append to an array
a=(1 2)
a+=(3 "4 5")
printf '<%s>' "${a[@]}"; echo
a+=()
echo ${#a[@]}

#### append to an element and a scalar
a=(x y)
a[1]+=z
s=abc
s+=def
echo ${a[@]} $s

#### append after a sparse end
a=([5]=x)
a+=(y)
echo ${!a[@]}

#### scalar becomes element zero
s=hello
s[1]=world
echo ${s[@]} ${#s[@]}
declare -p s

#### assigning the name sets element zero
a=(1 2 3)
a=zero
echo ${a[@]}

#### scalar read as an array
s=word
echo ${s[0]} ${#s[@]} "${s[@]}" ${!s[@]}
echo "[${s[1]}]"

#### unset an element
a=(a b c d)
unset 'a[1]'
echo ${a[@]} / ${!a[@]} / ${#a[@]}
unset 'a[-1]'
echo ${a[@]}

#### unset the whole array
a=(1 2 3)
unset a
echo "[${a[@]}]" ${#a[@]}
a=(1 2)
unset 'a[@]'
echo "[${a[*]}]"

#### empty array
a=()
echo ${#a[@]}
for x in "${a[@]}"; do echo never; done
echo "[${a[*]}]"

#### empty array under set -u
set -u
a=()
for x in "${a[@]}"; do echo never; done
echo ok ${#a[@]}

#### unset element under set -u is an error
set -u
a=(1)
echo ${a[5]}
echo not-reached

#### array in a for loop
a=("x y" z)
for i in "${a[@]}"; do echo "[$i]"; done

#### loop over the keys
a=(p q r)
for i in "${!a[@]}"; do echo "$i=${a[i]}"; done

#### elements are split and globbed in the literal
x="1 2"
a=($x *.txt)
echo ${#a[@]} ${a[@]}

#### keyed items in the literal
a=([2]=two [0]=zero one)
declare -p a

#### literal over several lines with comments
a=(
  first   # a comment
  second
)
echo ${a[@]}

#### slice of an array
a=(a b c d e)
echo ${a[@]:1}
echo ${a[@]:1:2}
echo ${a[@]: -2}
echo ${a[@]: -2:1}
echo "${a[@]:0:0}"

#### slice of a sparse array goes by index
a=([0]=a [5]=b [10]=c)
echo ${a[@]:1}
echo ${a[@]:5:1}

#### substring of one element
a=(hello world)
echo ${a[1]:1:3} ${a[0]: -2}

#### trimming every element
a=(file.txt note.txt image.png)
echo ${a[@]%.*}
echo ${a[@]#*.}
echo "${a[@]/.txt/.md}"
echo ${a[@]//t/T}

#### replacement anchored on each element
a=(abc abd xbc)
echo ${a[@]/#a/A}
echo ${a[@]/%c/C}

#### case changes on every element
a=(abc Def)
echo ${a[@]^^} ${a[@],,} ${a[@]^}

#### default value of an element and of an array
a=(x)
echo ${a[1]:-dflt} ${a[0]:-dflt}
b=()
echo "${b[@]:-empty}"
echo ${a[@]:+set}

#### assign a default to an element
a=()
echo ${a[2]:=two}
echo ${a[@]} ${!a[@]}

#### error when an element is unset
a=()
(echo ${a[0]:?no element}) 2>/dev/null
echo status $?

#### length of each element is not a form: count
a=(aa bbb)
echo ${#a[@]}

#### array in arithmetic
a=(5 10 15)
echo $(( a[0] + a[2] ))
echo $(( a + 1 ))
i=2
echo $(( a[i] * 2 ))

#### increment an element
a=(1 2)
(( a[1]++ ))
(( a[0] += 5 ))
echo ${a[@]}

#### arithmetic assignment to a new element
(( b[3] = 7 ))
echo ${b[3]} ${#b[@]}

#### let on elements
a=(1 2)
let 'a[0]=a[1]*10'
echo ${a[0]}

#### scalar used as element zero in arithmetic
s=5
echo $(( s[0] + 1 ))

#### subscript with a variable that holds an expression
a=(a b c d)
e='1+2'
echo ${a[e]}

#### arrays in [[ ]]
a=(x "y z")
[[ ${a[1]} == "y z" ]] && echo eq
[[ -n ${a[5]} ]] || echo empty

#### test -v on elements
a=(1 "")
[[ -v a[0] ]] && echo has0
[[ -v a[1] ]] && echo has1
[[ -v a[2] ]] || echo no2

#### declare -p of an indexed array
a=(1 "two words" 'q"uote' '$dollar')
declare -p a

#### declare -p round trip
a=(x "y z" [7]=w)
saved=$(declare -p a)
unset a
eval "$saved"
declare -p a
echo ${a[7]}

#### declare -a and -p with no value
declare -a e
declare -p e
echo ${#e[@]}

#### declare -a with a value
declare -a d=(1 2 3)
echo ${d[1]}
typeset -a t=(q)
echo ${t[0]}

#### declare -a turns a scalar into an array
s=one
declare -a s
declare -p s

#### associative array basics
declare -A m
m[one]=1
m[two]=2
echo ${m[one]} ${m[two]} ${#m[@]}

#### associative literal and keys
declare -A m=([a]=1 [b]=2 [c]=3)
for k in a b c; do echo $k=${m[$k]}; done
echo ${#m[@]}

#### associative keys in bash's order
declare -A m=([x]=1 [y]=2 [foo]=3 [bar]=4)
echo ${!m[@]}
echo ${m[@]}

#### associative keys with spaces
declare -A m
m["a b"]=1
k="c d"
m[$k]=2
echo ${m["a b"]} ${m[$k]} ${m[c d]}

#### associative subscripts are not arithmetic
declare -A m
m[1+1]=x
echo ${m[1+1]} "[${m[2]}]"

#### unset an associative element
declare -A m=([a]=1 [b]=2)
unset 'm[a]'
echo ${!m[@]} ${#m[@]}

#### declare -p of an associative array
declare -A m=([k]=v)
declare -p m
declare -A e
declare -p e

#### associative round trip
declare -A m=([one]=1 ["two words"]=2)
saved=$(declare -p m)
unset m
eval "$saved"
echo ${m[one]} ${m["two words"]}

#### associative append
declare -A m=([a]=x)
m[a]+=y
m+=([b]=z)
echo ${m[a]} ${m[b]}

#### associative assignment replaces all
declare -A m=([a]=1)
m=([b]=2)
echo ${!m[@]}

#### associative element in arithmetic
declare -A m=([n]=5)
echo $(( m[n] * 2 ))
(( m[n]++ ))
echo ${m[n]}

#### cannot convert indexed to associative
a=(1 2)
declare -A a
echo status $?

#### test -v on an associative key
declare -A m=([k]=1)
[[ -v m[k] ]] && echo yes
[[ -v m[z] ]] || echo no

#### names by prefix
myvar1=a myvar2=b myother=c
echo ${!myvar*}
printf '<%s>' "${!myvar@}"; echo
printf '<%s>' "${!myvar*}"; echo

#### keys of an associative array in a loop
declare -A m=([k]=v)
for key in "${!m[@]}"; do echo "$key -> ${m[$key]}"; done

#### read -a splits into an array
read -a words <<< "one two  three"
echo ${#words[@]} ${words[2]}

#### read -a with IFS
IFS=: read -a parts <<< "a:b::d"
declare -p parts

#### mapfile reads lines
mapfile lines < a.txt
echo ${#lines[@]}
printf '[%s]' "${lines[@]}"; echo

#### mapfile -t strips newlines
mapfile -t lines < a.txt
printf '[%s]' "${lines[@]}"; echo

#### readarray is mapfile
readarray -t nums < numbers
echo ${nums[@]}

#### mapfile from a pipe into a default name
printf 'a\nb\n' | { mapfile -t; echo ${MAPFILE[@]}; }

#### mapfile counts, origins and skips
mapfile -t -n 2 first < a.txt
echo ${first[@]}
mapfile -t -s 1 rest < a.txt
echo ${rest[@]}
mapfile -t -O 5 shifted < numbers
echo ${!shifted[@]}

#### mapfile with a delimiter
printf 'a,b,c' | { mapfile -t -d , parts; echo ${#parts[@]} ${parts[2]}; }

#### local arrays
f() { local -a arr=(in side); echo ${arr[@]}; }
arr=(out)
f
echo ${arr[@]}

#### local array from a literal
f() { local arr=(1 2 3); echo ${#arr[@]}; }
f
echo "[${arr[*]}]"

#### arrays are not exported
a=(1 2)
export a
bash -c 'echo "[${a-unset}]"'

#### printf -v into an element
printf -v 'a[2]' '%s-%s' x y
echo ${a[2]}

#### an array element as a for variable target is not allowed; use it in the body
a=(1 2 3)
sum=0
for v in "${a[@]}"; do (( sum += v )); done
echo $sum

#### array element in a case word
a=(foo bar)
case ${a[1]} in bar) echo matched ;; esac

#### nested subscript
a=(0 2 4 6)
b=(1 3)
echo ${a[b[0]]} ${a[b[1]]}

#### element of an unset array is empty
echo "[${nosuch[0]}]" "[${nosuch[@]}]" ${#nosuch[@]}

#### PIPESTATUS
true | false | true
echo ${PIPESTATUS[@]}
false
echo ${PIPESTATUS[0]} ${#PIPESTATUS[@]}

#### PIPESTATUS of a single command
(exit 3)
echo ${PIPESTATUS[*]}

#### arrays copy
a=(1 "2 3")
b=("${a[@]}")
b[0]=x
echo ${a[0]} ${b[@]}

#### join with IFS in a function
join() { local IFS=$1; shift; echo "$*"; }
a=(x y z)
join , "${a[@]}"

#### array with set -x
set -x
a=(1 2)
a[3]=x
set +x
echo ${a[@]}

#### element quoted in a string
a=(one two)
echo "first: ${a[0]}, all: ${a[@]}, count: ${#a[@]}"

#### the at form inside a longer word
a=(x y)
printf '<%s>' "pre${a[@]}post"; echo
printf '<%s>' pre${a[@]}post; echo

#### star form inside a longer word
a=(x y)
printf '<%s>' "pre${a[*]}post"; echo

#### indirect expansion of an array element name
a=(v0 v1)
ref='a[1]'
echo ${!ref}
ref='a[@]'
echo ${!ref}

#### transformations on arrays
a=("a b" c)
echo "${a[@]@Q}"
declare -A m=([k]=v)
echo "${m[@]@K}"
echo "${a[@]@A}"

#### quote transformation
x="it's here"
echo ${x@Q}
y=$'tab\there'
echo ${y@Q}

#### upper and lower transformations
x=hello
echo ${x@U} ${x@u} ${x@L}

#### attribute transformation
declare -i n=1
declare -a arr=(1)
declare -A m=([k]=v)
readonly r=1
echo ${n@a} ${arr@a} ${m@a} ${r@a}
