# Command substitution: $( ), backquotes, nesting, trailing newlines, status.

#### dollar paren
echo "[$(echo hi)]"

#### backquotes
echo "[`echo hi`]"

#### trailing newlines removed
x=$(printf 'a\n\n\n')
echo "[$x]"

#### inner newlines kept in quotes
x=$(printf 'a\nb')
echo "$x"

#### unquoted result is split
printf '[%s]\n' $(echo a b   c)

#### quoted result is one field
printf '[%s]\n' "$(echo a b   c)"

#### nested dollar paren
echo $(echo $(echo $(echo deep)))

#### nested backquotes with escapes
echo `echo \`echo nested\``

#### status of command substitution assignment
x=$(exit 3); echo $?

#### status of empty command with substitution
$(exit 5); echo $?

#### substitution runs in subshell
x=1
y=$(x=2; echo $x)
echo $x $y

#### substitution with pipeline
echo $(printf 'b\na\n' | sort | tr '\n' ,)

#### substitution with case and parenthesis
echo $(case x in x) echo matched;; esac)

#### substitution with quotes inside
echo "$(echo "a  b")"

#### substitution in for list
for w in $(echo 1 2 3); do echo n$w; done

#### substitution reads file
echo $(cat numbers)

#### substitution with stderr not captured
x=$(echo out; echo err >&2)
echo "[$x]"

#### backquote with dollar
x=5
echo `echo $x`

#### backslash dollar inside backquotes
echo `echo \$HOME | sed "s|.*/||"`

#### substitution of builtin output
x=$(printf '%05d' 42)
echo $x

#### substitution with glob in result
echo $(echo '*.txt')

#### empty substitution
echo "[$(true)]"

#### substitution with comment inside
echo $(echo a # comment
)

#### substitution keeps functions
f() { echo fn; }
echo $(f)

#### exit status preserved from last substitution
x=$(false) y=$(true); echo $?
