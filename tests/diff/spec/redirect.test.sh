# Every redirection form, here-documents and noclobber.

#### output to file
echo text > out.txt
cat out.txt

#### output truncates
echo long line > out.txt
echo short > out.txt
cat out.txt

#### append
echo one > out.txt
echo two >> out.txt
cat out.txt

#### input from file
tr a-z A-Z < a.txt

#### input from missing file fails
cat < missing.txt
echo $?
## compare: stderr

#### redirect before command name
> out.txt echo first
cat out.txt

#### redirect in middle of arguments
echo a > out.txt b
cat out.txt

#### stderr to file
ls missing_file_xyz 2> err.txt
echo $?
test -s err.txt && echo has-error

#### stderr to stdout
ls missing_file_xyz 2>&1 | wc -l

#### order of redirections matters
{ echo out; echo err >&2; } 2>&1 > out.txt
cat out.txt

#### stdout to stderr
echo to-err >&2 2>/dev/null
echo done

#### close stdout
echo hidden >&-
echo $?

#### close stderr of a command
ls missing_file_xyz 2>&-
echo $?

#### duplicate input fd
exec 3< a.txt
cat <&3
exec 3<&-

#### n>&m with explicit fds
{ echo on3 >&3; } 3>&1

#### read write open
echo hello > rw.txt
cat <> rw.txt

#### read write creates file
: <> new.txt
ls new.txt

#### clobber override with >|
set -o noclobber
echo one > nc.txt
echo two >| nc.txt
cat nc.txt

#### noclobber refuses existing file
set -C
echo one > nc.txt
echo two > nc.txt
echo $?
cat nc.txt

#### noclobber allows append
set -C
echo one > nc.txt
echo two >> nc.txt
cat nc.txt

#### noclobber allows /dev/null
set -C
echo x > /dev/null
echo $?

#### ampersand greater redirects both
{ echo out; echo err >&2; } &> both.txt
sort both.txt

#### here document
cat <<EOT
line one
line two
EOT

#### here document expands variables
name=world
cat <<EOT
hello $name
sum $((1+2))
cmd $(echo sub)
EOT

#### here document quoted delimiter no expansion
name=world
cat <<'EOT'
hello $name
$(echo no)
EOT

#### here document double quoted delimiter no expansion
cat <<"EOT"
keep $HOME
EOT

#### here document partially quoted delimiter
cat <<E"O"T
keep $x
EOT

#### here document backslash handling
cat <<EOT
a\$b \\ c\
d
EOT

#### here document strip tabs
	cat <<-EOT
	indented
		twice
	EOT

#### here document to a loop
while read a b; do echo "$b-$a"; done <<EOT
1 one
2 two
EOT

#### two here documents
cat <<A; cat <<B
first
A
second
B

#### here document with pipeline
cat <<EOT | tr a-z A-Z
shout
EOT

#### here document in function
f() {
  cat <<EOT
in function $1
EOT
}
f arg

#### here document empty
cat <<EOT
EOT
echo end

#### here document double quotes are literal
cat <<EOT
"quoted" 'single'
EOT

#### here string
cat <<< "here string"

#### here string with variable
v=abc
tr a-z A-Z <<< $v

#### here string adds newline
cat <<< x | od -c | head -n 1

#### exec redirection for the shell
exec 3> fd3.txt
echo via3 >&3
exec 3>&-
cat fd3.txt

#### exec redirects stdout of the rest
exec > all.txt
echo one
echo two
exec >&2
cat all.txt >&2

#### redirection on compound command
{ echo a; echo b; } > group.txt
cat group.txt

#### redirection on while loop
while read line; do echo "got $line"; done < numbers

#### redirection on if
if true; then echo inside; fi > if.txt
cat if.txt

#### redirect to file named by variable
f=target.txt
echo data > $f
cat target.txt

#### redirect word is not field split
f="a b"
echo x > $f
cat "a b"

#### redirect to directory fails
echo x > sub
echo $?

#### builtin redirection restored afterwards
echo inner > r.txt
echo outer
cat r.txt

#### failed redirection skips command
echo never > /nonexistent/dir/file
echo status $?
## compare: stderr

#### input redirect number explicit
cat 0< a.txt

#### fd 9 for read
exec 9< numbers
read first <&9
read second <&9
echo $first $second

#### redirect stdin of a loop consumed line by line
{ read one; read two; } < a.txt
echo $one $two

#### heredoc with command substitution quoting
cat <<EOF2
$(printf '%s' "a   b")
EOF2
