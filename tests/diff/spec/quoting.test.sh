# Quoting: single, double, backslash, nested, and quote removal.

#### single quotes keep everything literal
echo 'a $HOME `x` \n "q"'

#### double quotes expand variables
x=val
echo "x is $x"

#### double quotes keep spaces
echo "a    b"

#### unquoted collapses spaces
echo a    b

#### backslash escapes a space
echo a\ \ b

#### backslash in double quotes before special chars
echo "\$ \` \" \\ \a"

#### backslash newline inside double quotes
echo "one\
two"

#### backslash newline inside single quotes stays
echo 'one\
two'

#### adjacent quoted parts form one word
printf '[%s]\n' 'a'"b"c\ d

#### empty quotes make an empty argument
printf '[%s]\n' '' ""

#### single quote inside double quotes
echo "it's"

#### double quote inside single quotes
echo '"quoted"'

#### escaped single quote outside quotes
echo it\'s

#### quote concatenation to embed single quote
echo 'it'\''s'

#### dollar single quote literal in double quotes
echo "cost: \$5"

#### command substitution in double quotes
echo "now: $(echo inner)"

#### nested quotes in command substitution
echo "$(echo "nested $(echo 'deep')")"

#### quoted glob not expanded
echo "*.txt" '*.txt' \*.txt

#### quoted variable keeps empty
e=
printf '[%s]\n' "$e" $e

#### backslash before ordinary char
echo \a\b\c

#### trailing backslash in double quotes literal
echo "a\b"

#### backquote inside double quotes
echo "`echo back`"

#### dollar at end of word is literal
echo a$ "b$"

#### quoted tilde not expanded
echo "~" '~'

#### quotes around operator characters
echo ';' '&' '|' '<' '>' '(' ')'

#### escaped operators
echo \; \& \| \< \> \( \)

#### multi-line double quoted string
echo "line1
line2"

#### hash after quote is not comment start
echo 'a'#b

#### unterminated single quote is a syntax error
echo 'oops
