# Quoting inside expansions: where quote removal, splitting and globbing meet.

#### single quoted pattern in prefix removal
x=abc
echo ${x#'a'}

#### quoted variable as a literal suffix pattern
x='a*b*'
y='*'
echo "${x%"$y"}" "${x%$y}"

#### single quotes in an unquoted default are quotes
unset x
echo ${x:-'$HOME'}

#### single quotes in a double quoted default are literal
unset x
echo "${x:-'q'}"

#### default of dollar at
set --
echo "${@:-empty}"
set -- a b
echo "${@:-empty}"

#### assign default to a positional parameter fails
${1:=x}
echo not-reached
## ref: dash
## status: 127
## note: POSIX makes `${1:=x}` an expansion error that ends a script; bash --posix reports it and carries on, dash exits (2); pysh exits with 127, its status for every expansion error, as bash uses elsewhere

#### IFS zero splits arithmetic results
IFS=0
echo $((100)) x$((5 * 20))y

#### dollar star with unset IFS
set -- a b c
unset IFS
echo "$*"

#### unquoted expansion is globbed after splitting
x='*.txt c.*'
echo $x

#### backslash in a variable used as a glob
x='\*.txt'
echo $x

#### assignment from dollar at joins with spaces
set -- a b c
x=$@
echo "$x"

#### assignment from quoted dollar at
set -- a  b
x="$@"
echo "$x"

#### here document with dollar at and star
set -- one two
cat <<EOT
$@|$*|$#
EOT

#### command substitution default with quotes
unset x
echo "${x-$(echo "a  b")}"

#### double quotes inside command substitution inside double quotes
echo "$(echo "a" "b")"

#### escaped dollar inside command substitution in double quotes
echo "$(echo \$HOME)"

#### backslash newline in the middle of a parameter expansion
x=value
echo ${x\
}

#### case pattern from quoted variable is literal
p='a*'
case abc in "$p") echo literal;; *) echo no-match;; esac

#### case pattern with escaped glob characters
case '*?' in \*\?) echo escaped;; esac

#### glob bracket edge cases
touch a- b- '!x'
echo [a-]- [!a]-

#### quoted dollar at in a for loop over an empty list
set --
for x in "$@"; do echo never; done
echo done

#### empty string argument survives
f() { echo $#; }
f "" ""
f $empty $empty

#### splitting of a variable that holds only separators
x='   '
set -- $x
echo $#
IFS=:
x=':::'
set -- $x
echo $#

#### nested parameter expansion in pattern
x=foo.bar.baz
ext=.baz
echo ${x%${ext}}

#### arithmetic inside parameter default
unset n
echo ${n:-$((2 + 3))}

#### length of a value with spaces
x='a b c'
echo ${#x}

#### dollar brace hash of positional star
set -- a b c d
echo ${#}

#### tilde inside double quoted default stays
unset x
echo "${x:-~}"

#### tilde in unquoted default expands
unset x
test ${x:-~} = "$HOME" && echo expanded
