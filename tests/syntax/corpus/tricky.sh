# Corner cases of the syntax, one per line or block.
echo if then else fi do done { } ! in esac
echo a#not-a-comment "#" '#' \# # a comment
echo $(echo ')' ")" \)) `echo \`echo nested\``
echo "$(case x in (x) echo paren ;; esac)" $(case y in y) echo bare;; esac)
echo ${#HOME} ${HOME#/} ${HOME##*/} ${HOME%/*} ${HOME%%/*} ${unset-default} ${unset:-"two words"}
echo "${x:-'single'}" "${x:-"double"}" ${x:+alt$((1+1))}
x=1 y="2 3" env | grep -c '^[xy]='
a=1; b=$a; c="$a$b"; d=~/dir
f() { echo in f; }; f
g() ( echo in subshell g ); g
h()
{
	echo body on next line
}
for i in 1 2 3; do echo $i; done; for j do :; done; for k in; do :; done
while false; do :; done; until true; do :; done
if false; then :; elif true; then echo elif; else :; fi
{ echo grouped; } >/dev/null 2>&1 | cat
( ( echo doubly nested ) )
echo $( (echo subshell in substitution) ) $((2 * (3 + 4)))
cat <<A <<'B' ; cat <<-C
a $HOME
A
b $HOME
B
		c indented
	C
true && false || echo or; false || true && echo and
echo one; echo two & wait
echo long \
	line \
	continued
echo 2>/dev/null 1>&2 0</dev/null 3<>/dev/null 4>&- >|/dev/null
echo x |& cat; cat <<<"here string"; echo >&2 &>/dev/null &>>/dev/null
