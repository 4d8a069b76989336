# More redirection forms, tracing, nesting and interactions between features.

#### explicit n<&m duplicates input
exec 3< numbers
cat 0<&3

#### close standard input
cat <&-
echo $?

#### explicit 1>&2 moves output to stderr
echo moved 1>&2

#### exec 3<> opens read write
echo abc > rw.txt
exec 3<> rw.txt
read line <&3
echo "$line"
exec 3>&-

#### here document with tab strip and quoted delimiter
	cat <<-'EOT'
	$HOME stays
	EOT

#### here document inside command substitution
x=$(cat <<EOT
inside
EOT
)
echo "[$x]"

#### here document in a loop body
for i in 1 2; do
  cat <<EOT
item $i
EOT
done

#### redirect stdout and stderr of a subshell separately
(echo out; echo err >&2) > o.txt 2> e.txt
cat o.txt e.txt

#### redirections apply left to right with dup
{ echo to-stderr >&2; } 2>&1 | cat

#### save and restore stdout with exec
exec 3>&1
exec > saved.txt
echo into-file
exec 1>&3 3>&-
echo back
cat saved.txt

#### set -x trace format
{ set -x; echo traced; } 2>&1

#### set -x shows expansions
x=5
{ set -x; echo $x "a b"; } 2>&1

#### set -x shows assignments
{ set -x; y=3; } 2>&1

#### pipeline of builtins and functions
up() { tr a-z A-Z; }
printf 'x\ny\n' | up | while read l; do echo "<$l>"; done

#### nested command substitution in arithmetic in string
echo "total: $(( $(echo 2) + $(echo $((3 * 4))) ))"

#### case inside function inside loop
kind() { case $1 in *.txt) echo text;; *) echo other;; esac; }
for f in a.txt c.log; do kind $f; done

#### while read with IFS and here document
while IFS=: read -r user rest; do echo "$user"; done <<EOT
root:x:0
daemon:x:1
EOT

#### eval with quoted arguments
eval 'set -- "a b" c'
echo $#

#### command substitution output used as redirect target
echo data > $(echo target2.txt)
cat target2.txt

#### function redirect and local
f() { local msg=$1; echo "$msg" >&2; }
f hello 2>&1

#### exit status of brace group in pipeline
{ echo x; false; } | cat; echo $?

#### trap EXIT in subshell
(trap 'echo sub-exit' EXIT; echo in-sub)
echo after

#### trap sees variables at exit time
trap 'echo "x=$x"' EXIT
x=final

#### kill -0 checks process
kill -0 $$; echo $?

#### positional parameters with spaces through function and set
f() { for a in "$@"; do printf '[%s]' "$a"; done; echo; }
set -- "one two" "" three
f "$@"
f $@
f "$*"

#### unset IFS then read
unset IFS
echo "  a b  " | { read x y; echo "[$x][$y]"; }

#### readonly function variable through local
readonly RO=1
f() { local RO=2; }
f
echo $?

#### continue in while with counter
i=0
while [ $i -lt 5 ]; do i=$((i+1)); [ $((i % 2)) -eq 0 ] && continue; echo $i; done

#### exit inside loop inside function
f() { for i in 1 2 3; do [ $i = 2 ] && exit 9; echo $i; done; }
f
echo unreachable

#### redirections apply left to right on a builtin
echo text 9>nine.txt >&9
cat nine.txt

#### redirections apply left to right on an external command
/bin/echo text 9>nine.txt >&9
cat nine.txt
