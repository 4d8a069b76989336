# Corner cases where shells often differ: probes of the finer rules.

#### nested quotes inside default value
unset x
echo "${x:-"a  b"}"

#### escaped star in suffix pattern
x='a*'
echo ${x%\*}

#### length of dollar star and positional count
set -- a bb ccc
echo ${#*} ${#@}

#### leading IFS separator makes an empty field
IFS=:
x=:a:b
set -- $x
echo $#

#### unquoted dollar star with empty IFS keeps fields
IFS=
set -- "a b" c
printf '[%s]' $*; echo

#### unquoted dollar at with empty IFS keeps fields
IFS=
set -- "a b" c
printf '[%s]' $@; echo

#### triple nested quoted command substitution
echo "$(echo "$(echo "a  b")")"

#### closing paren inside quotes in command substitution
echo $(echo ')')

#### case on a paren word
case ")" in ")") echo paren;; esac

#### case with parenthesised alternatives
case y in (x|y) echo alt;; esac

#### alias ending in space expands next word
alias e='echo ' w='world'
e w

#### alias used inside a function body
alias greet='echo hi'
f() { greet there; }
f

#### assignment before command builtin on special builtin
x=1
x=2 command :
echo $x

#### write to a closed file descriptor
echo x >&5
echo $?

#### cd dash without OLDPWD
unset OLDPWD
cd -
echo $?

#### shift with a non number
set -- a b
shift x
echo $?

#### unset dash v and dash f
f() { echo fn; }
v=1
unset -v v
unset -f f
echo "[${v-unset}]"
f 2>/dev/null || echo no-fn

#### unset removes variable before function
f=1
f() { echo fn; }
unset f
echo "[${f-unset}]"
f

#### trap reset EXIT
trap 'echo never' EXIT
trap - EXIT
echo done

#### ternary does not evaluate the other branch
x=1
echo $((1 ? 2 : (x = 3))) $x

#### comma with compound assignment
i=5
echo $((i += 1, i * 2)) $i

#### chained assignment in arithmetic
echo $((a = b = 3)) $a $b

#### octal and hex together
echo $((010 + 0x10))

#### for loop piped status
for i in 1 2; do :; done | cat; echo $?

#### if with negation
if ! false; then echo negated; fi

#### until with break
n=0
until false; do n=$((n+1)); [ $n -eq 3 ] && break; done; echo $n

#### loop body command consumes the loop input
printf '1\n2\n3\n' | while read x; do echo "x=$x"; cat; done

#### brace group into read in a brace group
{ echo piped; } | { read x; echo "[$x]"; }

#### subshell reading a pipe
echo sub | (read x; echo "[$x]")

#### subshell cd to root
(cd / && pwd)

#### basename by parameter expansion
printf '%s\n' "${PWD##*/}"

#### tilde after colon in assignment with text
x=a:~:b
test "$x" = "a:$HOME:b" && echo ok

#### set -e does not exit in function called from if
set -e
f() { false; echo in-f; }
if f; then echo yes; fi
echo survived

#### set -e exits on failed command substitution assignment
set -e
x=$(false)
echo not-reached

#### set -e with pipeline uses last status
set -e
false | true
echo ok

#### set -e with pipefail exits
set -e -o pipefail
false | true
echo not-reached

#### set -u still allows dollar hash and dollar at
set -u
echo $# "$@" ${unset_var-dflt}

#### glob character class
touch x1 y2 Z3
echo [[:lower:]][0-9]

#### glob range and bracket with close bracket
touch ']a' 'ba'
echo []b]a

#### glob star digit suffix
touch v1 v22 vx
echo v*[0-9]

#### glob with quoted prefix
echo "a"*

#### glob two levels
echo */*

#### backquote with escaped double quotes inside double quotes
echo "`echo \"hi\"`"

#### job spec with kill
sleep 5 &
kill %1
wait
echo killed

#### wait for already finished pid
(exit 6) &
p=$!
sleep 0.2
wait $p
echo $?

#### dot with arguments restores positional parameters
echo 'echo "in: $1"' > l.sh
set -- outer
. ./l.sh inner
echo "out: $1"

#### exec in a subshell
(exec echo in-sub)
echo after

#### exit in a pipeline stage
exit 3 | true
echo $?

#### LINENO counts lines
echo first
echo $LINENO

#### PPID is a number
test "$PPID" -gt 0 && echo ppid

#### cd -P resolves symlinks
ln -s sub lnk
cd -P lnk
pwd | sed 's|.*/||'

#### pwd -L keeps link name
ln -s sub lnk
cd lnk
pwd -L | sed 's|.*/||'

#### read with trailing backslash at end of input
printf 'abc\\' | { read x; echo "$? [$x]"; }

#### empty here document delimiter line with spaces is not the end
cat <<EOT
 EOT
EOT

#### here document at end without final newline
printf 'cat <<EOT\nlast\nEOT' > h.sh
. ./h.sh

#### case pattern with variable and star
ext=txt
case a.txt in *.$ext) echo matched;; esac

#### dollar question in trap
trap 'echo trapped $?' EXIT
(exit 4)

#### getopts with OPTIND reset for a second parse
set -- -a
getopts ab o; echo $o
set -- -b
OPTIND=1
getopts ab o; echo $o

#### printf with dollar star arguments
set -- x y z
printf '<%s>' "$@"; echo

#### test with variables that look like operators
a='!'; b='='
[ "$a" = "$b" ]; echo $?
[ "$b" ]; echo $?

#### read into the same variable twice
echo "a b" | { read x x; echo "[$x]"; }

#### echo -e with escapes in middle
echo -e 'x\ty' 'a\\b'

#### printf %c with a multi character word
printf '%c|' abc def; echo
