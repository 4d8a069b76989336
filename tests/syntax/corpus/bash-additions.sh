#!/bin/sh
# The bash forms pysh reads besides POSIX sh: brace expansion, ${x:o:l}, ${x/p/r},
# $'...', (( )) and [[ ]].

backup() {
    for file in "$@"; do
        cp -- "$file" "${file%.*}".{bak,orig}
    done
}

mkdir -p build/{bin,lib/{static,shared},share/doc}
for n in {01..12..2} {a..e}; do
    printf '%s\n' "item-$n"
done

name=report.final.txt
echo "${name:0:6}" "${name: -3}" "${name:7:-4}" "${name/final/draft}" "${name//./_}"
echo "${name/#report/summary}" "${name/%.txt/.md}" "${name/*./&.}" ${@:2} "${*/a/b}"

tab=$'\t' newline=$'\n' quote=$'it\'s' escape=$'\e[1m'
IFS=$' \t\n'
printf '%s\n' "$tab" "$newline" "$quote" "$escape"

count=0
while (( count < 10 )); do
    (( count += 3 ))
    if (( count % 2 == 0 )); then
        echo even
    fi
done
((count > 9)) && echo big

if [[ -f /etc/passwd && ! -d /etc/passwd ]]; then
    echo file
elif [[ $name == *.txt || $name =~ ^rep(ort)?\. ]]; then
    echo text
fi
[[ ( -n $name ) && $count -ge 3 ]] || exit 1
case $name in
    *.txt) [[ -s $name ]] && cat -- "$name" ;;
esac
( (echo nested); echo subshells )
for ((i = 0; i < ${#name}; i += 4)); do
    printf '%s\n' "${name:i:4}"
done
