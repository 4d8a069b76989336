# Brace expansion (bash, also in --posix mode): the first expansion of a command word.

#### alternatives
echo a{b,c}d {x,y,z}

#### empty alternatives
echo a{,}b {,a} {a,} x{a,b,}y
printf '<%s>' {,}; echo

#### nested
echo {a,b{c,d}} {{1,2},3}x

#### several in one word multiply
echo {a,b}{1,2} x{a,b}{1,2}y

#### sequence up and down
echo {1..5} {5..1} {-2..2}

#### sequence of letters
echo {a..e} {e..a} {X..Z}

#### letters across the ASCII punctuation
printf '<%s>' {X..c}; echo

#### zero padding
echo {01..10} {1..03} {-05..5..5}

#### sequence with a step
echo {1..10..3} {10..1..3} {1..5..-2} {a..i..2} {1..3..0}

#### plus signs in a sequence
echo {+1..3} {1..3..+1}

#### sequences and alternatives together
echo {a..c}{1..2} {1..3}{a,b}

#### not brace expansions
echo {} {a} {a,b {1..a} {1...3} {a..} {ab..c} {0x1..3}

#### an unmatched brace is literal and the next one tries
echo {{a,b} {a,b}} {a}{b,c} {a,b}c{ {a,{b}

#### quoted or escaped braces and commas are literal
echo "{a,b}" '{a,b}' \{a,b} {a\,b} {a,b\}

#### a quoted comma belongs to its alternative
echo {a,"b,c"} {'x,y',z}

#### expansions inside alternatives
x=1 y='p q'
printf '<%s>' {$x,"$y",$y}; echo

#### parameter expansion braces are not brace expansion
x=val
echo ${x} ${x}{a,b} ${x:-{a,b}}

#### a name touching $x joins it: brace expansion comes first
x=1 xa=A
echo $x{a,b} ${x}{a,b}

#### sequence bounds from variables are not expanded
n=3
echo {1..$n}

#### brace expansion before globbing
echo *.{txt,log} {a,c}*

#### brace expansion before tilde expansion
echo ~{,/sub}

#### in a for list
for i in {1..3} {a,b}; do printf '%s ' "$i"; done; echo

#### not in an assignment
a={x,y}
echo "$a"

#### in an argument that looks like an assignment
echo a={x,y}

#### not in a case pattern
case a in {a,b}) echo matched;; *) echo literal;; esac
case '{a,b}' in {a,b}) echo matched;; esac

#### not inside double quotes of a word
x=1
echo "$x{a,b}" "{1..3}"

#### an empty result is no argument
printf '<%s>' {,}x{,}; echo

#### redirection target with one word
echo hi > {a}
cat {a}

#### a redirection target that brace-expands to several words is ambiguous
echo hi > {c,d}
echo "st=$?"
cat < {e,f}
echo "st=$?"
ls {c,d} 2>/dev/null
## compare: stderr

#### a redirection target with a one-word brace is a file name; a here-string is not expanded
echo hi > {c}
cat {c}
cat <<< {a,b}
