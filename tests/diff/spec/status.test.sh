# Exit statuses, signals, syntax errors, and the course's demos.

#### killed by signal is 128 plus N
sh -c 'kill -9 $$'
echo $?

#### killed by TERM
sh -c 'kill -TERM $$'
echo $?

#### exit status of failed command
ls /nonexistent_dir_xyz 2>/dev/null
echo $?

#### status 127 not found
no_such_command_abc
echo $?

#### status 126 permission denied
: > noexec
./noexec
echo $?

#### status of path to missing file
./does_not_exist
echo $?

#### dollar question after each command
true; echo $?; false; echo $?; (exit 42); echo $?

#### dollar question after failed redirection
echo x > /no/dir/f
echo $?

#### syntax error status 2
echo ok; if
echo $?

#### syntax error unmatched paren
echo (

#### syntax error unexpected done
done

#### syntax error unclosed double quote
echo "abc

#### syntax error unclosed brace group
{ echo a

#### syntax error in case
case x in

#### syntax error bad redirection
echo >

#### syntax error pipeline without command
| echo x

#### syntax error double and
echo a && && echo b

#### syntax error on a later line runs the earlier lines
echo first
fi

#### command not found does not stop script
nothere_xyz
echo continues

#### exit status large
sh -c 'exit 255'
echo $?

#### negative exit wraps
sh -c 'exit 256'
echo $?

#### status of pipeline killed by SIGPIPE
yes | head -n 1 > /dev/null
echo $?

#### course demo ls to file then cat
ls > out.dat
cat out.dat

#### course demo ls -la stable columns
ls -la > out.dat
awk 'NR > 1 {print $1, $NF}' out.dat | sort

#### course demo tac with separator
echo "Salut Tout Le Monde " | tac -s " "

#### course demo pipe with grep and wc
cat a.txt | grep a | wc -l

#### course demo redirect stdin stdout
sort < numbers > sorted.txt
cat sorted.txt

#### course demo append log
date > /dev/null
echo first >> log.txt
echo second >> log.txt
wc -l < log.txt

#### course demo chained commands
mkdir -p d1/d2 && cd d1/d2 && pwd | sed 's|.*/d1|d1|'

#### script with shebang executed directly
printf '#!/bin/sh\necho shebang-ok\n' > s.sh
chmod +x s.sh
./s.sh

#### many commands in sequence
for i in 1 2 3 4 5; do echo $i; done | sort -r | tr '\n' ' '
echo
