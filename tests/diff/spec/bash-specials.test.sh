# bash's special variables.
## ref: bash-default

#### LINENO in plain commands
echo $LINENO
echo $LINENO

echo $LINENO

#### LINENO in a for loop
for i in 1 2; do
  echo "$i $LINENO"
done

#### LINENO in case
case x in
  x) echo $LINENO ;;
esac

#### LINENO in [[ and ((
[[ $LINENO -gt 0 ]] && echo yes
x=$LINENO
(( y = LINENO ))
echo $x $y

#### LINENO in a function
f() {
  echo "in f: $LINENO"
}
f

#### LINENO in a multi-line if
if true
then
  echo $LINENO
fi

#### LINENO in an assignment and a redirect word
a=$LINENO
echo $a > out$LINENO
cat out2

#### LINENO in a here-document
cat <<EOF2
line $LINENO
EOF2

#### LINENO in a command substitution
echo $(echo $LINENO)
x=$(echo $LINENO)
echo $x

#### dollar underscore is the last argument
echo a b c
echo $_
true last
echo $_

#### BASHPID differs in a subshell
[ "$BASHPID" = "$$" ] && echo main-same
( [ "$BASHPID" != "$$" ] && echo sub-differs )

#### PPID is a number and readonly
[[ $PPID =~ ^[0-9]+$ ]] && echo number
(PPID=1) 2>/dev/null
echo status $?

#### UID and EUID are readonly integers
[[ $UID =~ ^[0-9]+$ ]] && echo uid
[ "$EUID" = "$(id -u)" ] && echo euid
(UID=5) 2>/dev/null || echo readonly

#### HOSTNAME OSTYPE HOSTTYPE
[ -n "$HOSTNAME" ] && echo host
echo $OSTYPE
[ "$HOSTTYPE" = "$(uname -m)" ] && echo hosttype

#### SHLVL is exported
env | grep -c '^SHLVL='

#### dash option letters with -c
echo $-

#### dash option letters with set -eu
set -eu
echo $-
set +eu
set -x
echo $- 2>/dev/null
set +x

#### dash option letters for -f and -C
set -f -C
echo $-

#### SECONDS counts up
s=$SECONDS
[ "$s" -ge 0 ] && echo ok

#### EPOCHSECONDS is now
e=$EPOCHSECONDS
d=$(date +%s)
echo $(( d - e <= 1 && d >= e ))

#### EPOCHREALTIME has microseconds
[[ $EPOCHREALTIME =~ ^[0-9]+\.[0-9]{6}$ ]] && echo ok

#### SRANDOM is a number
[[ $SRANDOM =~ ^[0-9]+$ ]] && echo ok

#### PWD and OLDPWD
cd sub
echo ${PWD##*/} ${OLDPWD##*/}
cd -
echo ${PWD##*/}

#### OLDPWD before any cd
echo "[${OLDPWD-unset}]"

#### IFS default
printf '%q\n' "$IFS"

#### FUNCNAME in functions
f() { echo ${FUNCNAME[0]} ${FUNCNAME[1]}; g; }
g() { echo ${FUNCNAME[@]}; }
f

#### FUNCNAME is unset outside functions
echo "[${FUNCNAME-unset}]"

#### BASH_REMATCH after =~
[[ "key=value" =~ ^([a-z]+)=([a-z]+)$ ]]
echo ${BASH_REMATCH[0]} ${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${#BASH_REMATCH[@]}

#### BASH_REMATCH cleared on failure
[[ abc =~ (b) ]]
[[ abc =~ (z) ]]
echo ${#BASH_REMATCH[@]}

#### dollar-dollar in a subshell is the parent
a=$$
b=$(echo $$)
[ "$a" = "$b" ] && echo same

#### PIPESTATUS after a pipeline with a failing middle
true | (exit 4) | true
echo "${PIPESTATUS[@]}"

#### PIPESTATUS after a compound command
if true; then false | true; fi
echo "${PIPESTATUS[@]}"

#### MACHTYPE ends in the OS type
case $MACHTYPE in *linux-gnu) echo ok ;; esac

#### PATH has a default
unset PATH
PATH=/bin:/usr/bin
echo ok
