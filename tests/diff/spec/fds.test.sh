# No descriptor leaks into commands: what each process sees in /proc/self/fd.

#### simple command sees only the standard descriptors
ls /proc/self/fd | tr '\n' ' '; echo

#### each pipeline stage sees only its own ends
ls /proc/self/fd | cat | tr '\n' ' '; echo
ls /proc/self/fd | tr '\n' ' ' | cat; echo

#### command substitution leaks nothing
echo $(ls /proc/self/fd)

#### descriptors opened with exec are inherited
exec 5> five.txt
ls /proc/self/fd | tr '\n' ' '; echo

#### closed descriptor is gone for children
exec 5> five.txt
exec 5>&-
ls /proc/self/fd | tr '\n' ' '; echo

#### loop input redirection leaks nothing into the body
while read l; do ls /proc/self/fd | tr '\n' ' '; echo; done < numbers

#### builtin redirection leaks nothing afterwards
echo x > out.txt
ls /proc/self/fd | tr '\n' ' '; echo

#### here document descriptor only on stdin
cat <<EOT > /dev/null
text
EOT
ls /proc/self/fd | tr '\n' ' '; echo

#### function with redirection leaks nothing
f() { ls /proc/self/fd | tr '\n' ' '; echo; }
f < numbers

#### subshell sees the same descriptors
( ls /proc/self/fd | tr '\n' ' '; echo )

#### background command sees only the standard descriptors
ls /proc/self/fd > bg.txt &
wait
tr '\n' ' ' < bg.txt; echo
