# Pipeline stages and background commands run in subshells: what their expansions
# assign is lost; a background pipeline's stages are the shell's children and $! is
# the last one.

#### ${x:=v} in a pipeline stage does not assign in the shell
x=
echo ${x:=v} | cat
echo "x=$x"

#### arithmetic assignments in a pipeline stage are lost
i=0
echo $((i+=1)) "$((i++))" | cat
echo "i=$i"

#### arithmetic without assignment in a stage
i=4
echo $((i==4)) $((i<=5)) $((i>=3)) $((i!=1)) | cat
echo "i=$i"

#### ${x:=v} in a here-document of a stage
y=
cat <<END | cat
${y:=w}
END
echo "y=$y"

#### ${z:=q} in a background command
: ${z:=q} &
wait
echo "z=$z"

#### $! of a background pipeline is its last stage
sleep 1 | sleep 2 &
# (a child shows its program's name once it has exec'd it: poll, for a loaded machine)
i=0; while [ "$(ps -o comm= -p $!)" != sleep ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done
ps -o comm= -p $!
kill $! 2>/dev/null; wait

#### the stages of a background pipeline are children of the shell
sleep 1 | sleep 2 &
i=0; while [ "$(ps -o comm= --ppid $$ | grep -c sleep)" != 2 ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done
ps -o comm= --ppid $$ | grep -c sleep
kill $! 2>/dev/null; wait

#### wait on a background pipeline gives the last stage's status
(exit 3) | (exit 4) &
wait $!
echo "st=$?"

#### a background pipeline whose stages are not found
nosuch_one | nosuch_two &
wait $!
echo "s=$?"

#### a background pipeline whose last stage is not found
sleep 0.1 | nosuch_three &
wait $!
echo "s=$?"

#### a background command that is not found
nosuch_four &
wait $!
echo "s=$?"

#### a background pipeline reads /dev/null without job control
cat | cat &
wait
echo done
## ref: dash
## note: POSIX gives an asynchronous list /dev/null as stdin; bash does not for a pipeline
## stdin:
from stdin
