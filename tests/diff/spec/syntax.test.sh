# Parser corner cases: reserved words, operators, newlines, comments, continuation.

#### reserved word after semicolon starts a compound command
echo a; { echo b; }

#### reserved word as argument after a command
echo for while until

#### reserved word as a variable value
x=if
echo $x

#### done as argument inside a loop body
for i in 1; do echo done; done

#### esac as a case word
case esac in (esac) echo esac-word;; esac

#### in as a for list word
for x in in; do echo $x; done

#### bang only as first word is negation
echo !
! echo negated-output; echo $?

#### newlines inside a pipeline after the bar
echo abc |
  tr a-z A-Z

#### newline after and and or
true &&
  echo after-and
false ||
  echo after-or

#### comment after pipe bar line
echo x | # comment here
  cat

#### semicolons and newlines in a brace group
{
  echo one
  echo two;
}

#### function body on the next line
f()
{ echo next-line; }
f

#### subshell with no spaces
(echo tight)

#### brace group requires spacing
{ echo spaced;}

#### operators need no spaces
echo a>o1.txt;cat o1.txt&&echo ok||echo bad

#### redirection number must touch the operator
echo 2 >o2.txt
cat o2.txt

#### number in a word is not a redirection fd
echo a2>o3.txt
cat o3.txt

#### words with equals after command name are arguments
echo a=b c=d

#### assignment needs a valid name
1x=5 2>/dev/null
echo $?

#### line continuation inside a word and a variable name
ec\
ho split\
ted

#### line continuation in an operator
echo a &\
& echo b

#### comment ending with a backslash
# comment \
echo not-part-of-comment

#### empty lines and comments between commands
echo a

# comment

echo b

#### case with empty pattern list lines
case x in
  # comment inside case
  x)
    echo matched
    ;;
esac

#### case with semicolons on separate lines
case x in x) echo one
;;
esac

#### if on one line with all keywords
if true; then :; elif false; then :; else :; fi; echo $?

#### for with semicolon before do
for i in a b; do echo $i; done

#### while with multiple commands in condition
i=0
while i=$((i+1)); [ $i -le 2 ]; do echo $i; done

#### nested functions definition
outer() { inner() { echo inner; }; inner; }
outer
inner

#### pipeline of compound commands
if true; then echo x; fi | while read l; do echo "got $l"; done

#### background compound command
{ echo bg-group; } &
wait

#### heredoc delimiter quoted with backslash
cat <<\EOT
$HOME
EOT

#### heredoc followed by more commands on the same line
cat <<EOT; echo after
body
EOT

#### two heredocs for two commands in a pipeline
cat <<A | cat - /dev/fd/3 3<<B
first
A
second
B

#### unmatched closing paren is an error
echo )

#### missing then is an error
if true; echo x; fi

#### case without in is an error
case x esac

#### function without body is an error
f()

#### unexpected semicolon semicolon
echo a ;; echo b

#### stray do is an error
do echo x
