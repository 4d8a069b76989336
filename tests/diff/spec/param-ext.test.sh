# bash's substring and pattern-replacement parameter expansions (also in --posix mode).

#### substring from an offset
x=abcdef
echo ${x:2} ${x:0} ${x:5} ${x:6} "[${x:10}]"

#### substring with a length
x=abcdef
echo ${x:2:3} ${x:0:1} "[${x:0:0}]" ${x::2} "[${x:1:}]" ${x:4:100}

#### negative offset needs a space or parentheses
x=abcdef
echo ${x: -2} ${x:(-2)} ${x: -3:2} "[${x: -10}]" ${x:-2}

#### negative length counts from the end
x=abcdef
echo ${x:1:-1} ${x: -3:-1} "[${x:2:-4}]"

#### negative length before the offset is an error
x=abc
(echo ${x:2:-2}; echo not reached)
echo status $?

#### offset and length are arithmetic
x=abcdef n=2
echo ${x:n} ${x:n:n} ${x:$n+1} ${x:1+1:2*2} ${x:$((n)):1} "${x:unset_name}"

#### substring of unset and empty
unset u; e=
echo "[${u:1}]" "[${e:0:2}]"

#### substring under set -u
set -u
unset u
(echo ${u:1}) 2>/dev/null
echo status $?

#### substring quoted and unquoted
x='a  b  c'
printf '<%s>' ${x:1} "${x:1}"; echo

#### substring of positional parameters
set -- a b c d
echo ${@:2} ${@:2:2} ${*: -1} ${@: -2:1} "[${@:5}]" "[${@:1:0}]"
printf '<%s>' "${@:2}" "${*:2}"; echo
## argv: sh

#### offset 0 of positional parameters is $0
set -- a b c
echo ${@:0:2} ${@: -4}
## argv: sh

#### negative length on positional parameters is an error
set -- a b c
(echo ${@:1:-1}) 2>/dev/null
echo status $?

#### replace the first match
x=hello
echo ${x/l/L} ${x/ll/_} ${x/z/Z} ${x/l}

#### replace every match
x=hello
echo ${x//l/L} ${x//l} ${x//[aeiou]/-}

#### replace at the start or the end
x=hello
echo ${x/#h/H} ${x/#l/L} ${x/%o/O} ${x/%l/L} ${x/#/<} ${x/%/>}

#### the longest match is replaced
x=aXbXc
echo ${x/X*/_} ${x/#*X/_} ${x/%X*/_} ${x//?X/_}

#### the pattern is a glob pattern; quoting makes it literal
x='a*b?c'
echo ${x/\*/S} ${x/'?'/Q} ${x/"*"/S} ${x/*/all} ${x//[*?]/_}

#### a slash in the pattern must be quoted
x=a/b/c
echo ${x//\//-} ${x//'/'/:} ${x/\//} ${x/b/x/y}

#### pattern from a variable, quoted or not
x='a*b' p='*'
echo ${x/$p/S} ${x/"$p"/S}

#### empty pattern and empty value
x=abc e=
echo ${x//} ${x/} ${x//b/} "[${e/*/Z}]" "[${e//a/b}]"
echo ${x/""/X} ${x/$e/X} ${x/#""/X} ${x/%$e/X}

#### ampersand stands for the match
x=hello
echo ${x/l/[&]} ${x//l/<&>} ${x/l/\&} ${x/l/"&"} "${x/l/&&}" ${x/l/'&'}

#### replacement is expanded
x=abc y=Y
echo ${x/b/$y} ${x/b/"$y $y"} ${x/b/$(echo Z)} ${x/b/$((1+2))}

#### replacement with a tilde
x=abc
echo ${x/b/~}

#### the result is split and globbed when unquoted
x=aXb
printf '<%s>' ${x/X/ } "${x/X/ }" ${x/X/" "}; echo
x=numbersX
echo ${x/X/*}

#### single quotes in double-quoted replacement
x=abc
echo "${x/b/'q'}" "${x/'b'/q}"

#### replacement on positional parameters
set -- ab cb db
echo ${@/b/X} ${*//[ac]/_}
printf '<%s>' "${@/#?/_}" "${*/%b/.}"; echo

#### replacement of unset
unset u
echo "[${u/a/b}]" "[${u:-x}]"

#### replacement and substring in double quotes and here-documents
x=hello
cat <<EOF
${x/l/L} ${x:1:3} "${x//l/_}"
EOF

#### case conversion: all, first, with a pattern
x="hello world"
echo "${x^^}" ${x^} "${x,,}" ${x^^[lo]} "${x^[h]}" "${x^[e]}"
Y=ABC
echo ${Y,} ${Y,,} ${Y,,[AB]} "${Y,,?}"

#### case conversion of the positional parameters, of an empty value, with quoted patterns
set -- ab cd
echo "${@^^}" "${*^}"
e=
echo "[${e^^}]" "[${unset_var,,}]"
x="hello world"
echo "${x^^"l"}" "${x^^'o'}" ${x^^*}

#### indirection: ${!name} expands the parameter that name names
x=y; y=hello
echo ${!x} "${!x}" ${!x^^} ${!x:1:2} ${!x/l/L} ${!x#h}
set -- a b c; n=2
echo ${!n} "${!n}"
x=@; echo ${!x}
unset z; x=z; echo "[${!x:-default}]" "[${!x-d2}]" "[${!x:+alt}]"
echo ${!x:=assigned}; echo $z
x=HOME; test "${!x}" = "$HOME" && echo home

#### indirection errors: an empty or invalid name, an unset pointer
(x=; echo ${!x}; echo not here)
echo status $?
(x="a b"; echo ${!x})
echo status $?
(unset x; echo ${!x})
echo status $?
## compare: stderr

#### an error of a bash form drops the rest of its line; the script goes on (as bash)
x=1a
echo ${!x}; echo not here
echo "next line $?"
y=abc
echo ${y:1:-5}; echo not here either
echo "and on $?"
echo ${!x}

#### a lone ${!} is $!
sleep 0 &
test "${!}" = "$!" && echo same
wait

#### an unknown transformation is a bad substitution
x=abc
(eval 'echo ${x@Z}') 2>/dev/null
echo status $?
## stdout:
status 2
## note: pysh finds ${x@Z} when parsing (a syntax error, status 2); bash when expanding (status 1)

#### quoted positional forms with no parameters give no field
set --
for i in "${@:1}" "${@/a/b}"; do echo field; done
set -- a
for i in "${@:2}"; do echo field2; done
for i in x"${@:1}"y; do echo $i; done
