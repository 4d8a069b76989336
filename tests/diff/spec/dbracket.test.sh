# bash's (( expr )) arithmetic command and [[ expr ]] conditional command.

#### arithmetic command status
((1)); echo $?
((0)); echo $?
((2 > 1)); echo $?
((1 - 1)); echo $?

#### arithmetic command assigns
x=1
((x += 2, y = x * 10))
echo $x $y
((i++)); ((i++)); echo $i

#### arithmetic command with expansions and newlines
n=4
(( $n * 2 ==
   8 )) && echo eight
(( $(echo 3) + (1) == 4 )) && echo four

#### arithmetic command in conditions and loops
i=0
while ((i < 3)); do ((i++)); done
echo $i
if ((i == 3)) then echo three; fi
until ((i == 0)); do ((i--)); done; echo $i

#### arithmetic command error is not fatal
((1 / 0))
echo after $?

#### arithmetic command and set -e
set -e
((0)) || echo guarded
((1))
((0))
echo not reached

#### two subshells are not arithmetic
((echo a); echo b)
( (echo c) )

#### arithmetic command with a redirection
((1)) > out.txt && cat out.txt && echo made

#### [[ ]] string tests
x=
[[ -z $x ]] && echo empty
[[ -n $x ]] || echo not-nonempty
[[ $undefined ]] || echo unset-false
[[ word ]] && echo word-true

#### [[ ]] does not split or glob
x='a b' y='*'
[[ $x = 'a b' ]] && echo same
[[ -n $y && $y = '*' ]] && echo star

#### [[ ]] file tests
[[ -f a.txt ]] && echo file
[[ -d sub ]] && echo dir
[[ -e nope ]] || echo missing
[[ -f sub || -d sub ]] && echo either
[[ -s numbers ]] && echo nonempty

#### [[ ]] pattern on the right of = == !=
x=hello.txt
[[ $x == *.txt ]] && echo glob
[[ $x = h?llo* ]] && echo question
[[ $x != *.log ]] && echo not-log
[[ $x == "*.txt" ]] || echo quoted-is-literal
p='*.txt'
[[ $x == $p ]] && echo pattern-var
[[ $x == "$p" ]] || echo quoted-var-literal

#### [[ ]] string ordering
[[ a < b ]] && echo lt
[[ b > a ]] && echo gt
[[ B < a ]] && echo upper-first

#### [[ ]] integer comparisons are arithmetic
[[ 10 -gt 9 ]] && echo gt
[[ 1+1 -eq 2 ]] && echo arith
n=5
[[ n -ge 5 && $n -le 5 ]] && echo range
[[ x -eq 0 ]] && echo unset-name-is-0

#### [[ ]] and or not and parentheses
[[ a && ! -z b ]] && echo and
[[ -z a || b ]] && echo or
[[ ! ( -z a || -z b ) ]] && echo paren
[[ ( a == b ) || ( c == c ) ]] && echo group
[[ ! -n '' ]] && echo not

#### [[ ]] regular expressions
[[ abc =~ ^a(b|x)c$ ]] && echo alt
[[ abc =~ b ]] && echo partial
[[ a.c =~ a"."c ]] && echo quoted-dot
[[ abc =~ a"."c ]] || echo quoted-dot-literal
[[ a1 =~ ^[[:alpha:]][[:digit:]]$ ]] && echo classes
re='^[0-9]+$'
[[ 123 =~ $re ]] && echo var-regex

#### [[ ]] bad regular expression gives 2
[[ a =~ [ ]]
echo status $?

#### [[ ]] in if and with newlines
if [[ -d sub &&
      -f a.txt ]]
then
  echo both
fi

#### [[ ]] status and set -e
set -e
[[ a == b ]] || echo guarded
[[ a == b ]]
echo not reached

#### [[ is a plain word elsewhere
echo [[ a ]]

#### set -x shows the arithmetic command
set -x
x=2
(( x * 3 > 5 ))
## compare: stderr

#### type knows [[ as a keyword
type [[ ]]

#### set -x shows each test [[ ]] runs
x='a b'
set -x
[[ a == b && $(echo c) == c ]]
[[ -f $x || $x == a* ]]
[[ ! -n $x ]]
[[ $x ]]
[[ $x =~ ^a ]]
[[ 1+1 -eq 2 ]]
## compare: stderr

#### command substitutions in [[ ]] run once
[[ $(echo run >&2; echo 1) -eq 1 ]] && echo one
## compare: stderr

#### arithmetic for loop
for ((i = 0; i < 3; i++)); do echo $i; done
for ((i=5; i>0; i-=2)) do echo $i; done
echo after $i

#### arithmetic for loop with empty parts, break and continue
n=0
for ((;;)); do ((n++ < 5)) || break; done
echo $n
for ((i=0; i<3; i++)); do for ((j=0; j<2; j++)); do [ $j = 1 ] && continue 2; echo $i$j; done; done

#### arithmetic for loop with newlines and a redirection
for (( i = 3 ; i ; i-- ))
do
  echo $i
done > out.txt
cat out.txt

#### arithmetic for loop error
for ((i=0; i<1/0; i++)); do echo x; done
echo status $?

#### set -x shows the arithmetic for loop
set -x
for ((i=0; i<2; i++)); do :; done
for ((;;)); do break; done
## compare: stderr
