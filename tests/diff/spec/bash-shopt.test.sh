# shopt and the glob options; set -o listing.
## ref: bash-default

#### nullglob removes a pattern that matches nothing
shopt -s nullglob
echo start *.nothing end
for f in *.none; do echo never; done
echo done

#### without nullglob the pattern stays
echo *.nothing

#### failglob is an error
shopt -s failglob
echo *.nothing
echo status $?

#### failglob drops the rest of the line
shopt -s failglob
echo *.nothing; echo same-line
echo next-line

#### dotglob includes hidden files
shopt -s dotglob
echo *

#### dotglob never gives dot and dot-dot
shopt -s dotglob
echo .* | tr ' ' '\n' | grep -c '^\.\.*$'

#### globskipdots is the default
echo .*

#### nocaseglob
touch UPPER.TXT
shopt -s nocaseglob
echo *.txt
shopt -u nocaseglob
echo *.txt

#### globstar matches directories recursively
mkdir -p deep/er/est
touch deep/er/est/f.c deep/g.c
shopt -s globstar
echo **/*.c
echo deep/**

#### globstar off: two stars are one
mkdir -p deep/er
touch deep/er/f.c
echo **/*.c

#### globstar with a trailing slash lists directories
mkdir -p deep/er
shopt -s globstar
echo **/

#### extglob at-group
shopt -s extglob
echo @(a|b).txt

#### extglob not-group
shopt -s extglob
echo !(*.txt)

#### extglob not-group before a suffix
shopt -s extglob
echo !(a).txt

#### extglob star and plus groups
touch aa.log aaa.log b.log
shopt -s extglob
echo *(a).log
echo +(a).log

#### extglob question group
touch x.c xy.c
shopt -s extglob
echo x?(y).c

#### extglob in case
shopt -s extglob
for w in foo bar baz; do
  case $w in
    @(foo|bar)) echo "$w: foo or bar" ;;
    *) echo "$w: other" ;;
  esac
done

#### extglob in [[ == ]]
[[ abc == a+(b)c ]] && echo plus
[[ ac == a*(b)c ]] && echo star
[[ abd == a!(b)d ]] || echo not

#### extglob in parameter trimming
shopt -s extglob
x=aaabbb
echo ${x##+(a)} ${x%%*(b)} ${x//@(a|b)/-}

#### extglob with nested groups
shopt -s extglob
[[ abab == +(a@(b|c)) ]] && echo nested

#### nocasematch in case and [[
shopt -s nocasematch
case HELLO in hello) echo case ;; esac
[[ ABC == abc ]] && echo dbracket
shopt -u nocasematch
[[ ABC == abc ]] || echo off

#### shopt -q reports
shopt -q nullglob || echo off
shopt -s nullglob
shopt -q nullglob && echo on

#### shopt -p prints reusable lines
shopt -p nullglob dotglob
shopt -s dotglob
shopt -p dotglob

#### shopt with one name prints its state
shopt extglob
echo status $?
shopt -s extglob
shopt extglob
echo status $?

#### shopt lists every option as bash
shopt | grep -c .
shopt | head -3

#### shopt -s lists the options that are on
shopt -s | grep -E '^(cmdhist|extquote|sourcepath)'

#### shopt with an invalid name
shopt -s nosuchoption
echo status $?

#### shopt -o is set -o
shopt -o noglob
shopt -so noglob
echo *.txt
shopt -po noglob

#### set -o lists every option of bash
for o in allexport braceexpand emacs errexit errtrace functrace hashall histexpand history \
    ignoreeof interactive-comments keyword monitor noclobber noexec noglob nolog notify nounset \
    onecmd physical pipefail posix privileged verbose vi xtrace; do
  set -o | grep -q "^$o " || echo "missing $o"
done
set -o | grep -E '^(errexit|pipefail|braceexpand|hashall)'

#### set +o prints commands
set +o | grep -E 'errexit|nounset'

#### set -o vi and emacs exclude each other
set -o vi
set -o | grep -E '^(vi|emacs) '
set -o emacs
set -o | grep -E '^(vi|emacs) '

#### set -o with an invalid name
set -o nosuchoption
echo status $?
## stdout:
## status: 2
## note: an error in the special builtin set ends a script, as POSIX says and bash --posix does

#### set -B and +B are accepted
set +B
set -B
echo {a,b}

#### shopt settings survive into subshells
shopt -s nullglob
( echo x *.nothing y )

#### lastpipe is accepted
shopt -s lastpipe
shopt -q lastpipe && echo on
