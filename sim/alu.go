package sim

// trunc converts v to type t: truncation to the width, sign extension when
// signed, and C's conversion to _Bool (any non-zero value is 1).
func trunc(v uint64, t Type) uint64 {
	switch t.Bits {
	case 1:
		if v != 0 {
			return 1
		}
		return 0
	case 8, 16, 32:
		s := 64 - uint(t.Bits)
		if t.Signed {
			return uint64(int64(v<<s) >> s)
		}
		return v << s >> s
	}
	return v
}

// less compares a and b (already in type t) in t's signedness.
func less(a, b uint64, t Type) bool {
	if t.Signed {
		return int64(a) < int64(b)
	}
	return a < b
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// binop computes a <op> b in type t. ok is false for division by zero.
func binop(op BinOp, a, b uint64, t Type) (r uint64, ok bool) {
	a, b = trunc(a, t), trunc(b, t)
	switch op {
	case Add:
		r = a + b
	case Sub:
		r = a - b
	case Mul:
		r = a * b
	case Div, Mod:
		if b == 0 {
			return 0, false
		}
		if t.Signed {
			x, y := int64(a), int64(b)
			if y == -1 { // avoids the one overflowing case; x / -1 == -x in two's complement
				if op == Div {
					r = uint64(-x)
				} else {
					r = 0
				}
			} else if op == Div {
				r = uint64(x / y)
			} else {
				r = uint64(x % y)
			}
		} else if op == Div {
			r = a / b
		} else {
			r = a % b
		}
	case And:
		r = a & b
	case Or:
		r = a | b
	case Xor:
		r = a ^ b
	case Shl:
		r = a << (b & 63)
	case Shr:
		if t.Signed {
			r = uint64(int64(a) >> (b & 63))
		} else {
			r = a >> (b & 63)
		}
	case Eq:
		return b2u(a == b), true
	case Ne:
		return b2u(a != b), true
	case Lt:
		return b2u(less(a, b, t)), true
	case Le:
		return b2u(!less(b, a, t)), true
	case Gt:
		return b2u(less(b, a, t)), true
	case Ge:
		return b2u(!less(a, b, t)), true
	}
	return trunc(r, t), true
}

func unop(op UnOp, a uint64, t Type) uint64 {
	a = trunc(a, t)
	switch op {
	case Neg:
		return trunc(-a, t)
	case Not:
		return b2u(a == 0)
	}
	return trunc(^a, t)
}

func u64(x int64) uint64 { return uint64(x) }
