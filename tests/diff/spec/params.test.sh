# Parameter expansion forms and special parameters.

#### dollar name and braces
x=val
echo $x ${x} ${x}suffix

#### unset variable is empty
echo "[$nosuch]"

#### default with colon dash
unset u; e=
echo ${u:-def} ${e:-def} ${x:-def}
## argv: sh

#### default with dash only
unset u; e=
echo "[${u-def}]" "[${e-def}]"

#### assign default with colon equals
unset u
echo ${u:=assigned}
echo $u

#### assign default with equals keeps empty
e=
echo "[${e=assigned}]"

#### error if unset colon question
unset u
(echo ${u:?custom message}) 2>/dev/null
echo $?

#### error message goes to stderr
unset u
(: ${u:?is required})
echo status $?

#### question without colon accepts empty
e=
echo "[${e?unused}]"

#### alternate value colon plus
x=set; e=
echo "[${x:+alt}]" "[${e:+alt}]" "[${u:+alt}]"

#### alternate value plus without colon
e=
echo "[${e+alt}]" "[${u+alt}]"

#### length
x=hello
echo ${#x}

#### length of empty and unset
e=
echo ${#e} ${#unset_var}

#### remove smallest prefix
p=/usr/local/bin/tool
echo ${p#*/}

#### remove largest prefix
p=/usr/local/bin/tool
echo ${p##*/}

#### remove smallest suffix
f=archive.tar.gz
echo ${f%.*}

#### remove largest suffix
f=archive.tar.gz
echo ${f%%.*}

#### pattern with no match leaves value
x=hello
echo ${x#z*} ${x%z}

#### pattern from variable
x=hello.world
pat=.*
echo ${x%$pat}

#### quoted pattern is literal
x='a*b*c'
echo "${x#"a*"}"

#### pattern with character class
x=abc123
echo ${x%%[0-9]*}

#### word in default is expanded
unset u
y=inner
echo ${u:-$y and $(echo sub)}

#### default word not expanded when set
x=set
echo ${x:-$(echo never >&2)}

#### nested default
unset a b
echo ${a:-${b:-deep}}

#### default in double quotes keeps spaces
unset u
echo "${u:-a   b}"

#### positional parameters
echo $1 $2 $3
## argv: zero first second third

#### positional beyond nine needs braces
echo ${10} $10
## argv: z 1 2 3 4 5 6 7 8 9 ten

#### dollar hash
echo $#
## argv: z a b c

#### dollar zero
echo $0
## argv: scriptname

#### dollar star joins with space
set -- a b c
echo "$*"

#### dollar star joins with first IFS char
set -- a b c
IFS=:
echo "$*"

#### dollar star with empty IFS
set -- a b c
IFS=
echo "$*"

#### quoted dollar at keeps fields
set -- "a b" "" c
printf '[%s]\n' "$@"

#### unquoted dollar at splits
set -- "a b" c
printf '[%s]\n' $@

#### quoted dollar at with no params is nothing
set --
printf '[%s]\n' "$@" end

#### dollar at with prefix and suffix
set -- a b
printf '[%s]\n' "x$@y"

#### dollar question
false; echo $?; true; echo $?

#### dollar dollar is the shell pid
test "$$" = "$(sh -c 'echo $PPID')" && echo same

#### dollar dollar same in subshell
a=$$; b=$(echo $$); test "$a" = "$b" && echo same

#### dollar bang after background
sleep 0 &
test "$!" -gt 0 && echo has-pid
wait

#### dollar minus contains options
set -u
case $- in *u*) echo has-u;; esac

#### set dash dash resets positional
set -- x y
echo $#
set --
echo $#

#### shift
set -- a b c d
shift; echo $@
shift 2; echo $@

#### shift too far
set -- a
shift 2
echo $? $#

#### unset variable
x=1
unset x
echo "[${x-unset}]"

#### braces with special chars
set -- a b
echo ${#} ${?} ${@}

#### length of positional
set -- hello
echo ${#1}

#### bad substitution is an error
echo ${x!y}
echo after
## status: 2
## note: pysh finds a bad substitution when parsing, so it is a syntax error (status 2, as in dash); bash --posix exits 127

#### set -u unset variable errors
set -u
echo $undefined_var
echo not-reached

#### set -u allows default
set -u
echo ${undefined_var:-ok}

#### set -u with dollar at and no params
set -u
set --
echo "[$@]"

#### IFS default value
printf '%s' "$IFS" | od -c | head -n 1

#### variable name stops at non name char
x=v
echo $x-y $x.y ${x}_y $x_y.

#### dollar followed by non name
echo $ $% $/
