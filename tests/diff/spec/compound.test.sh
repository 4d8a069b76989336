# Subshells, brace groups, if/elif/else, while/until, for, case, break/continue.

#### subshell does not change parent variables
x=1
(x=2; echo in $x)
echo out $x

#### subshell does not change parent directory
(cd sub && pwd | sed 's|.*/||')
pwd | sed 's|.*/||'

#### subshell exit status
(exit 3); echo $?

#### exit in subshell does not exit shell
(exit 1)
echo still here

#### brace group shares variables
x=1
{ x=2; echo in $x; }
echo out $x

#### brace group needs semicolon
{ echo a; echo b; }

#### brace group status
{ false; }; echo $?

#### nested subshells
( ( ( echo deep ) ) )

#### subshell with redirect
(echo one; echo two) | wc -l

#### if true branch
if true; then echo yes; fi

#### if false branch no else
if false; then echo yes; fi
echo $?

#### if else
if false; then echo yes; else echo no; fi

#### if elif else
x=2
if [ $x = 1 ]; then echo one; elif [ $x = 2 ]; then echo two; else echo other; fi

#### if elif chain falls to else
x=9
if [ $x = 1 ]; then echo one
elif [ $x = 2 ]; then echo two
else echo other
fi

#### if condition is a list
if false; true; then echo last-counts; fi

#### if status of taken branch
if true; then (exit 5); fi; echo $?

#### if on multiple lines
if true
then
  echo multi
fi

#### while loop counts
i=0
while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done

#### until loop
i=0
until [ $i -ge 3 ]; do echo $i; i=$((i+1)); done

#### while false never runs
while false; do echo no; done; echo $?

#### while status is last body command
i=0
while [ $i -lt 2 ]; do i=$((i+1)); (exit 4); done; echo $?

#### for over words
for w in a b c; do echo $w; done

#### for over expansion is split
list="x y z"
for w in $list; do echo $w; done

#### for over glob
for f in *.txt; do echo $f; done

#### for without in uses positional parameters
set -- p1 p2 p3
for a; do echo $a; done

#### for with empty list
for a in; do echo never; done; echo $?

#### for variable persists after loop
for v in 1 2 3; do :; done
echo $v

#### for over quoted at
set -- "a b" c
for a in "$@"; do echo "[$a]"; done

#### for on one line with newline before do
for i in 1 2
do echo $i
done

#### break exits loop
for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done

#### continue skips
for i in 1 2 3 4; do [ $i = 2 ] && continue; echo $i; done

#### break 2 exits nested loops
for a in 1 2; do for b in x y; do [ $b = y ] && break 2; echo $a$b; done; done; echo end

#### continue 2
for a in 1 2; do for b in x y; do [ $b = y ] && continue 2; echo $a$b; done; echo never; done

#### break in while true
i=0
while true; do i=$((i+1)); [ $i -gt 3 ] && break; done; echo $i

#### case simple match
case foo in foo) echo matched;; esac

#### case with alternatives
case b in a|b|c) echo abc;; *) echo other;; esac

#### case default
case zzz in a) echo a;; *) echo default;; esac

#### case glob patterns
for w in apple banana cherry 12; do
  case $w in
    a*) echo "$w starts with a";;
    *an*) echo "$w has an";;
    [0-9]*) echo "$w is a number";;
    *) echo "$w other";;
  esac
done

#### case quoted pattern is literal
case '*' in "*") echo star;; esac
case x in "*") echo no;; *) echo yes;; esac

#### case pattern from variable
p='a*'
case abc in $p) echo glob-from-var;; esac

#### case no match status 0
false
case x in y) echo no;; esac; echo $?

#### case last clause without double semicolon
case x in x) echo last
esac

#### case with parenthesis before pattern
case y in (y) echo paren;; esac

#### case bracket pattern and question mark
case b2 in [abc]?) echo class;; esac

#### case word is expanded
v=hello
case $v in hel*) echo expanded;; esac

#### case empty body
case a in a) ;; esac; echo $?

#### case status of body
case a in a) (exit 3);; esac; echo $?

#### case on multiple lines
case "two words" in
  "two words")
    echo quoted-match
    ;;
esac

#### nested compound commands
for i in 1 2; do
  if [ $i = 1 ]; then
    case $i in 1) echo one;; esac
  else
    while false; do :; done
    echo two
  fi
done

#### missing fi is a syntax error
if true; then echo x

#### missing done is a syntax error
while true; do echo x

#### unexpected fi is a syntax error
echo a; fi

#### pipeline into while with subshell scope
n=0
printf '1\n2\n' | while read x; do n=$((n+x)); done
echo $n
