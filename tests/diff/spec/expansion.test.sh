# Field splitting with IFS, pathname expansion (globbing), tilde expansion.

#### default IFS splits on blanks and newlines
x='a  b
c	d'
printf '[%s]\n' $x

#### leading and trailing whitespace removed
x='   a b   '
printf '[%s]\n' $x

#### custom IFS colon
IFS=:
x=a:b::c
printf '[%s]\n' $x

#### IFS non whitespace trailing delimiter
IFS=:
x=a:b:
printf '[%s]\n' $x

#### IFS mixed whitespace and colon
IFS=': '
x='a : b  c'
printf '[%s]\n' $x

#### empty IFS no splitting
IFS=
x='a b c'
printf '[%s]\n' $x

#### unset IFS behaves as default
unset IFS
x='a b'
printf '[%s]\n' $x

#### IFS applies to command substitution
IFS=,
printf '[%s]\n' $(echo 1,2,3)

#### literal text is not split by IFS
IFS=o
echo foo

#### splitting of empty variable gives no field
e=
printf '[%s]\n' $e x

#### quoted empty gives a field
e=
printf '[%s]\n' "$e" x

#### IFS in read with local scope
IFS=, read a b <<EOT
1,2
EOT
echo "$a $b"
printf '[%s]' "$IFS" | od -c | head -n 1

#### star glob
echo *.txt

#### question mark glob
echo ?.txt

#### bracket glob
echo [ab].txt

#### negated bracket glob
echo [!a].txt

#### glob no match stays literal
echo *.none

#### glob does not match hidden files
echo *

#### explicit dot matches hidden
echo .h*

#### glob in subdirectory
echo sub/*

#### glob star slash
echo */

#### glob results sorted
touch z.txt A.txt
echo *.txt

#### glob from variable
p='*.log'
echo $p

#### quoted glob from variable is literal
p='*.log'
echo "$p"

#### set -f disables globbing
set -f
echo *.txt

#### glob with escaped star
echo \*.txt

#### glob matches files with spaces as one field
touch 'has space.dat'
for f in *.dat; do echo "[$f]"; done

#### glob range
touch f1 f2 f3
echo f[1-2]

#### tilde alone
test ~ = "$HOME" && echo home

#### tilde slash
test ~/x = "$HOME/x" && echo home-slash

#### tilde in middle not expanded
echo a~b

#### quoted tilde not expanded
echo "~/x"

#### tilde user root
echo ~root

#### tilde unknown user stays
echo ~no_such_user_xyz

#### tilde after equals in argument is not expanded
echo x=~

#### brace expansion as bash does it (see brace.test.sh)
echo {a,b} x{1..3}y

#### braces in a word are literal
echo a{b c}d {} {x}
## ref: dash
## note: bash --posix would brace-expand similar words; dash shows the POSIX result
