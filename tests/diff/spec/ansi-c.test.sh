# $'...' ANSI-C quoting (bash, also in --posix mode).

#### newline and tab
printf '[%s]\n' $'a\nb' $'c\td'

#### quotes and backslash
printf '[%s]\n' $'it\'s' $'say \"hi\"' $'back\\slash' $'q\?'

#### control characters
printf '%s' $'\a\b\e\E\f\r\v' | od -An -c

#### octal escapes
printf '%s\n' $'\101\102' $'\0101' $'\7' | od -An -c

#### hexadecimal escapes
printf '%s\n' $'\x41\x4a' $'\x4z' $'\x' | od -An -c

#### a byte above 127
printf '%s' $'\xe9\xff' | od -An -tx1

#### unicode escapes
LC_ALL=C.UTF-8
printf '%s\n' $'\u00e9' $'\u20ac' $'\U0001F600' $'\u'

#### control-x escapes
printf '%s' $'\cA\ca\c[' | od -An -tx1

#### unknown escapes keep their backslash
printf '[%s]\n' $'\q\z\%'

#### a NUL ends the string
printf '[%s]\n' $'ab\0cd' $'x\x00y'

#### inside a word
printf '[%s]\n' a$'\t'b x$'\''y "q"$'\n'

#### not special inside double quotes
echo "$'a\tb'"

#### no splitting and no globbing of the result
printf '[%s]\n' $'a b' $'*.txt'

#### in assignments and case patterns
x=$'a\tb'
case $x in $'a\tb') echo tab matched;; esac
printf '%s' "$x" | od -An -c

#### in the word of a parameter expansion
unset u
printf '[%s]\n' ${u:-$'a\tb'} "${u:-$'a\tb'}" ${u:-a$'\x41'}

#### in a here-document it is plain text
cat <<EOF
$'a\tb'
EOF

#### as a pattern it is quoted
x='a*b'
echo ${x#$'a*'} ${x/$'*'/S}

#### unterminated is a syntax error
(eval "echo \$'abc")
echo status $?

#### inside double quotes, decoded only in pattern forms
x=abc
echo "${x/b/$'\x41'}" "${x/$'b'/X}" "${x%$'c'}" "${x##$'a'}" "${x:+$'\x41'}" "${x#${u:-$'a'}}"
