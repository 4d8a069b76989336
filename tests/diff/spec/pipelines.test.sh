# Pipelines, `!`, and lists with ; & && ||.

#### two stage pipeline
echo hello | tr a-z A-Z

#### three stage pipeline
printf '3\n1\n2\n' | sort | head -n 2

#### pipeline status is the last command
false | true; echo $?

#### pipeline status last failing
true | false; echo $?

#### pipefail reports failing stage
set -o pipefail
false | true; echo $?

#### pipefail rightmost failure status
set -o pipefail
(exit 3) | (exit 4) | true; echo $?

#### bang negates status
! false; echo $?
! true; echo $?

#### bang on pipeline
! echo x | grep -q y; echo $?

#### builtin in pipeline middle
printf 'a\nb\n' | while read l; do echo "<$l>"; done | cat

#### pipeline stages run in subshells
x=1
echo 2 | read x
echo $x

#### yes head ends at once
yes | head -n 3

#### large output through pipe
seq 1 20000 | tail -n 1

#### reader sees EOF
echo data | cat | cat | wc -l

#### stderr not piped by default
{ echo out; echo err >&2; } 2>/dev/null | cat

#### pipe stderr with 2>&1
{ echo out; echo err >&2; } 2>&1 | sort

#### pipe with |& 
{ echo out; echo err >&2; } |& sort

#### and list runs second on success
true && echo yes

#### and list skips on failure
false && echo no
echo $?

#### or list runs on failure
false || echo fallback

#### or list skips on success
true || echo no
echo $?

#### and or chain
false && echo a || echo b

#### and or left associative
true || echo a && echo b

#### semicolon separates
echo one; echo two; echo three

#### newline separates
echo one
echo two

#### background job and wait
echo bg > bg.txt &
wait
cat bg.txt

#### background status is 0
false &
echo $?

#### wait returns job status
(exit 7) &
wait $!
echo $?

#### wait with no jobs
wait; echo $?

#### background job output order with wait
{ sleep 0.1; echo late; } &
echo early
wait

#### list status is last command
true; false
