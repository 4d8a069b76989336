# Arithmetic expansion $(( )).

#### addition and multiplication precedence
echo $((2 + 3 * 4))

#### parentheses
echo $(( (2 + 3) * 4 ))

#### division and modulo
echo $((17 / 5)) $((17 % 5)) $((-17 / 5)) $((-17 % 5))

#### unary minus plus and not
echo $((-3)) $((+3)) $((!0)) $((!5)) $((~0))

#### comparison operators
echo $((1 < 2)) $((2 <= 1)) $((3 > 2)) $((3 >= 4)) $((5 == 5)) $((5 != 5))

#### logical and or
echo $((1 && 0)) $((1 || 0)) $((0 || 0)) $((2 && 3))

#### bitwise operators
echo $((5 & 3)) $((5 | 3)) $((5 ^ 3)) $((1 << 4)) $((256 >> 2))

#### ternary
echo $((1 ? 10 : 20)) $((0 ? 10 : 20))

#### nested ternary
x=5
echo $(( x < 3 ? 1 : x < 6 ? 2 : 3 ))

#### variables without dollar
a=6 b=7
echo $((a * b))

#### variables with dollar
a=6
echo $(($a + 1))

#### unset variable is zero
echo $((nosuch + 1))

#### empty variable is zero
e=
echo $((e + 2))

#### variable holding expression
e='2 + 3'
echo $((e * 2))

#### assignment
echo $((x = 5)) $x

#### compound assignment operators
x=10
echo $((x += 5)) $((x -= 3)) $((x *= 2)) $((x /= 4)) $((x %= 4))

#### shift and bit assignment operators
x=1
echo $((x <<= 3)) $((x >>= 1)) $((x |= 1)) $((x &= 6)) $((x ^= 7))

#### pre and post increment
i=5
echo $((i++)) $i $((++i)) $i $((i--)) $i $((--i)) $i

#### hex and octal constants
echo $((0x1F)) $((010)) $((0X10))

#### base notation
echo $((2#101)) $((16#ff))

#### comma operator
echo $((1, 2, 3))

#### logical short circuit skips assignment
x=1
echo $((0 && (x = 5))) $x

#### large numbers wrap at 64 bits
echo $((9223372036854775807 + 1))

#### negative numbers
echo $((-5 * -5)) $((3 - 10))

#### division by zero is an error
echo $((1 / 0))
echo after

#### division by zero status in subshell
(echo $((5 % 0))) 2>/dev/null
echo $?

#### syntax error in arithmetic
echo $((1 +))
echo after

#### spaces and newlines in arithmetic
echo $((  1
 + 2  ))

#### arithmetic in loop counter
i=0; s=0
while [ $i -lt 10 ]; do s=$((s + i)); i=$((i + 1)); done
echo $s

#### arithmetic with command substitution
echo $(( $(echo 3) * 3 ))

#### arithmetic in double quotes
echo "$((1 + 1))"

#### invalid number in variable
x=12abc
echo $((x + 1))
echo after

#### exponent operator
echo $((2 ** 10))

#### precedence of shifts and comparison
echo $((1 << 2 + 1)) $((1 + 2 == 3))

#### unary minus with variable
x=4
echo $((-x)) $((- -x))

#### assignment to readonly is an error
readonly r=1
echo $((r = 2))
echo after

#### octal and hex values in variables
x=010 y=0x10
echo $((x)) $((x + 0)) $((y + 1))
