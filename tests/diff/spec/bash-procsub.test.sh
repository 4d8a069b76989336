# bash's process substitution: <(cmd) and >(cmd) as file names.
## ref: bash-default

#### diff of two commands
diff <(printf 'a\nb\n') <(printf 'a\nc\n')
echo status $?

#### read a loop from a command without a subshell
count=0
while read -r line; do count=$((count + 1)); done < <(printf '1\n2\n3\n')
echo $count

#### cat a process substitution
cat <(echo hello)

#### the word is a path under /dev/fd
echo <(true) | grep -c '^/dev/fd/[0-9]*$'

#### paste two substitutions
paste <(seq 3) <(seq 4 6)

#### write into a process substitution
echo to-cat > >(cat)
wait
sleep 0.2

#### several readers in a function
f() { cat "$1"; echo mid; cat "$2"; }
f <(echo one) <(echo two)

#### mapfile from a process substitution
mapfile -t lines < <(printf 'x\ny\n')
echo ${#lines[@]} ${lines[1]}

#### process substitution inside a command substitution
echo "$(cat <(echo inner))"

#### sort a substitution of a substitution
sort <(printf 'b\na\n') | head -1
