# echo, printf, test/[, read, getopts in detail.

#### echo no arguments
echo

#### echo -n
echo -n no-newline; echo

#### echo -e interprets escapes
echo -e 'a\tb\nc'

#### echo without -e keeps backslashes in posix bash
echo 'a\tb'

#### echo -E
echo -E 'a\nb'

#### echo -e backslash c stops output
echo -e 'before\cafter'; echo

#### echo -e octal and hex
echo -e '\0101\x42'

#### echo double dash is printed
echo -- x

#### echo combined flags and non flag
echo -nx; echo
echo -ne 'y\n'

#### printf basic
printf '%s=%d\n' x 5

#### printf reuses format
printf '%s\n' a b c

#### printf missing arguments
printf '%s|%d|\n' only

#### printf widths
printf '[%5s][%-5s][%05d][%.2f]\n' ab cd 42 3.14159

#### printf star width
printf '[%*s]\n' 6 x

#### printf octal hex char
printf '%o %x %X %c\n' 8 255 255 word

#### printf escapes in format
printf 'tab\there\n'

#### printf percent b
printf '%b\n' 'a\tb'

#### printf percent percent
printf '100%%\n'

#### printf character constant
printf '%d\n' "'A"

#### printf hex and octal arguments
printf '%d %d\n' 0x10 010

#### printf invalid number
printf '%d\n' abc
echo $?
## compare: stderr

#### printf float formats
printf '%e %g %.3f\n' 1234.5 0.00001 2.5

#### printf no format is an error
printf
echo $?

#### printf unsigned negative
printf '%u\n' -1

#### printf precision on string
printf '%.2s\n' abcdef

#### printf to stderr
printf 'err\n' >&2

#### test string equality
test a = a; echo $?
test a = b; echo $?

#### bracket string inequality
[ a != b ]; echo $?

#### test -z and -n
[ -z "" ]; echo $?
[ -n "" ]; echo $?
[ -n x ]; echo $?

#### test single argument
[ x ]; echo $?
[ "" ]; echo $?

#### test no arguments
[ ]; echo $?

#### test integer comparisons
[ 3 -lt 5 ] && [ 5 -gt 3 ] && [ 3 -le 3 ] && [ 3 -ge 3 ] && [ 3 -eq 3 ] && [ 3 -ne 4 ] && echo all-true

#### test negative integers
[ -5 -lt -2 ]; echo $?

#### test bad integer
[ abc -eq 1 ]
echo $?
## compare: stderr

#### test missing bracket
[ a = a
echo $?
## compare: stderr

#### test file operators
[ -e a.txt ] && [ -f a.txt ] && [ -d sub ] && [ ! -d a.txt ] && [ -s a.txt ] && echo files-ok

#### test readable writable executable
chmod +x a.txt
[ -r a.txt ] && [ -w a.txt ] && [ -x a.txt ] && echo rwx

#### test empty file size
: > empty
[ -s empty ]; echo $?

#### test symlink
ln -s a.txt lnk
[ -L lnk ] && [ -h lnk ] && ! [ -L a.txt ] && echo symlink

#### test dangling symlink
ln -s nowhere dangling
[ -L dangling ]; echo $?
[ -e dangling ]; echo $?

#### test fifo
mkfifo pipe1
[ -p pipe1 ]; echo $?

#### test character device
[ -c /dev/null ]; echo $?
[ -b /dev/null ]; echo $?

#### test newer older
touch -d '2020-01-01' old.txt
touch -d '2021-01-01' new.txt
[ new.txt -nt old.txt ]; echo $?
[ new.txt -ot old.txt ]; echo $?

#### test same file
ln a.txt hard.txt
[ a.txt -ef hard.txt ]; echo $?

#### test not
[ ! -e missing ]; echo $?

#### test and or
[ -n a -a -z "" ]; echo $?
[ -z a -o -n b ]; echo $?

#### test parentheses
[ \( a = b \) -o \( c = c \) ]; echo $?

#### test string ordering
[ abc \< abd ]; echo $?
[ b \> a ]; echo $?

#### test three argument not
[ ! a = b ]; echo $?

#### test operator as operand
[ = = = ]; echo $?
[ -n = -n ]; echo $?

#### test too many arguments
[ a b c d e ]
echo $?
## compare: stderr

#### test unary operator expected
[ a b ]
echo $?
## compare: stderr

#### test -t on non terminal
[ -t 0 ]; echo $?

#### test setuid setgid sticky
chmod 4755 a.txt
[ -u a.txt ]; echo $?
[ -g a.txt ]; echo $?
[ -k /tmp ]; echo $?

#### test owner
[ -O a.txt ] && [ -G a.txt ] && echo owner

#### read simple
echo "hello" | { read x; echo "[$x]"; }

#### read splits into variables
echo "one two three four" | { read a b c; echo "[$a][$b][$c]"; }

#### read fewer fields than variables
echo "one" | { read a b; echo "[$a][$b]"; }

#### read trims whitespace
echo "   padded   " | { read x; echo "[$x]"; }

#### read REPLY keeps whitespace
echo "   padded   " | { read; echo "[$REPLY]"; }

#### read backslash escapes
printf 'a\\ b c\n' | { read x y; echo "[$x][$y]"; }

#### read -r keeps backslashes
printf 'a\\tb\n' | { read -r x; echo "[$x]"; }

#### read line continuation
printf 'one \\\ntwo\n' | { read x; echo "[$x]"; }

#### read custom IFS
echo "a:b:c" | { IFS=: read x y z; echo "[$x][$y][$z]"; }

#### read IFS trailing separator
echo "a:b:" | { IFS=: read x y; echo "[$x][$y]"; }

#### read IFS empty fields
echo "a::c" | { IFS=: read x y z; echo "[$x][$y][$z]"; }

#### read IFS whitespace and colon
echo " a : b : c " | { IFS=' :' read x y; echo "[$x][$y]"; }

#### read empty IFS keeps line
echo "  a b  " | { IFS= read -r x; echo "[$x]"; }

#### read status at EOF
printf 'partial' | { read x; echo "$? [$x]"; }

#### read from empty input
read x < /dev/null
echo "$? [$x]"

#### read loop over file
while read -r line; do echo "> $line"; done < a.txt

#### read leaves rest of pipe for next command
printf 'l1\nl2\nl3\n' | { read a; cat; }

#### read leaves rest of file for next command
{ read a; read b; cat; } < a.txt

#### read -p prompt not shown for non terminal
echo x | { read -p 'prompt> ' v; echo "[$v]"; }

#### read -d delimiter
printf 'a,b,c' | { read -d , x; echo "[$x]"; }

#### read -n count
echo abcdef | { read -n 3 x; echo "[$x]"; }

#### read -t timeout
sleep 0.5 | { read -t 0.1 x; echo $?; }

#### read -u fd
exec 3< numbers
read -u 3 x
echo $x

#### read invalid variable name
echo x | { read 1bad; echo $?; }
## compare: stderr

#### read stdin option
read x <<EOT
from heredoc
EOT
echo "$x"

#### getopts simple flags
set -- -a -b
while getopts ab o; do echo $o; done

#### getopts grouped options
set -- -abc
while getopts abc o; do echo "$o $OPTIND"; done

#### getopts with argument
set -- -f file -gvalue rest
while getopts f:g: o; do echo "$o=$OPTARG"; done
echo "OPTIND=$OPTIND"

#### getopts invalid option
set -- -z
getopts ab o
echo "$? [$o] [${OPTARG-unset}]"
## compare: stderr

#### getopts silent invalid option
set -- -z
getopts :ab o
echo "$? [$o] [$OPTARG]"

#### getopts missing argument
set -- -a
getopts a: o
echo "$? [$o]"
## compare: stderr

#### getopts silent missing argument
set -- -a
getopts :a: o
echo "$? [$o] [$OPTARG]"

#### getopts double dash ends
set -- -a -- -b
while getopts ab o; do echo $o; done
echo "OPTIND=$OPTIND"

#### getopts stops at non option
set -- -a word -b
while getopts ab o; do echo $o; done
echo "OPTIND=$OPTIND"

#### getopts explicit arguments
while getopts xy o -x -y; do echo $o; done

#### getopts reset with OPTIND
set -- -a
getopts a o; echo $o
OPTIND=1
getopts a o; echo $o $?

#### getopts usage error
getopts
echo $?
## compare: stderr

#### echo a lone dash
echo -

#### echo option combinations
echo -ne 'a\tb'; echo
echo -eE 'a\tb'
echo -Ee 'a\tb'

#### echo -e octal without leading zero is literal
echo -e '\101 \0101'

#### echo -e hex without digits and unicode
echo -e '\x \x41 \u0042 \U00000043'

#### echo -e escape characters
echo -e 'bell\a esc\e ff\f vt\v cr\r' | od -c | sed 's/  */ /g'

#### echo -e backslash backslash
echo -e 'a\\\\b' 'c\\d'

#### echo arguments with embedded newlines
echo 'a
b' c

#### printf %b octal forms
printf '%b|' '\101' '\0101' '\01' '\0' | od -c | sed 's/  */ /g'

#### printf reuse stops when no argument is consumed
printf 'x%%\n' a b

#### printf star width negative means left
printf '[%*s]\n' -4 ab

#### printf precision star
printf '[%.*s]\n' 2 abcdef

#### printf hash flags
printf '%#o %#x %#X\n' 8 255 255

#### printf plus and space flags
printf '%+d % d %+d\n' 5 5 -5

#### printf big unsigned and negative hex
printf '%u %x\n' 18446744073709551615 -1

#### printf out of range integer warns
printf '%d\n' 99999999999999999999
echo $?
