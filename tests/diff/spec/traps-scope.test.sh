# Traps and state across subshells, exec and exit.

#### exec does not run the EXIT trap
trap 'echo exit-trap' EXIT
exec sh -c 'echo replaced'

#### exit inside the EXIT trap sets the status
trap 'exit 5' EXIT
exit 1

#### EXIT trap in a command substitution
x=$(trap 'echo t' EXIT; echo body)
echo "[$x]"

#### subshell does not run the parent EXIT trap
trap 'echo parent' EXIT
(echo sub)

#### dollar question in EXIT trap after exit
trap 'echo "code $?"' EXIT
exit 3

#### set -e and EXIT trap
set -e
trap 'echo "trap $?"' EXIT
false
echo not-reached

#### TERM trap that exits with its own status
trap 'exit 7' TERM
kill $$
echo not-reached

#### trap on EXIT runs once
trap 'echo once' EXIT
(exit 0)
true

#### umask in a subshell does not change the parent
umask 022
(umask 077)
umask

#### cd in a pipeline stage does not change the parent
cd sub | true
pwd | sed 's|.*/||'

#### export in a subshell does not reach the parent
(export INNER=1)
echo "[${INNER-unset}]"

#### function defined in a subshell is gone after
(g() { echo g; })
g 2>/dev/null || echo no-g

#### set option in a subshell does not leak
(set -u)
echo $no_such_var ok

#### here document inside eval
eval 'cat <<EOT
from eval
EOT'

#### here document with tabs inside lines
cat <<-EOT
	lead	inner-tab
EOT

#### sourced function with return
printf 'lib_f() { return 4; }\n' > lib.sh
. ./lib.sh
lib_f
echo $?

#### dollar one two is dollar one then 2
set -- a
echo $12

#### positional ten without braces
set -- a b c d e f g h i j
echo $10 ${10}

#### arithmetic unary minus chain
x=3
echo $((1 - - 1)) $((- -x)) $((-(-x)))

#### arithmetic overflow of power
echo $((2 ** 63))

#### noclobber with >| to /dev/null
set -C
echo x >| /dev/null
echo $?

#### trap listing shows ignored signals
trap '' USR2
trap | grep USR2

#### kill -0 of a finished process
sleep 0 &
p=$!
wait $p
kill -0 $p 2>/dev/null
echo $?
