# POSIX 2.8.1: an error in a special builtin ends a non-interactive shell; `command` removes that.

#### set with an unknown option name ends the script
set -o nosuchopt
echo not-reached

#### set with an unknown letter ends the script
set -Q 2>/dev/null
echo not-reached

#### redirection error on a special builtin ends the script
: > /nonexist/x
echo not-reached

#### exec with a failing redirection ends the script
exec 3< /nonexist
echo not-reached

#### redirection error on a regular builtin does not
echo x > /nonexist/x
echo reached

#### command keeps a failing dot from ending the script
command . /nonexist/x 2>/dev/null
echo "reached $?"

#### command keeps a failing special builtin redirection from ending the script
command : > /nonexist/x
echo "reached $?"

#### exit with too many arguments
exit 1 2
echo not-reached
