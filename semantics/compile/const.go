package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// builtinConsts are kernel constants the compiler knows without a #define:
// values fixed by the kernel's headers, not by a configuration.
var builtinConsts = map[string]int64{
	"NULL": 0, "true": 1, "false": 0,
	"USEC_PER_SEC": 1000000, "MSEC_PER_SEC": 1000, "NSEC_PER_SEC": 1000000000,
	"USEC_PER_MSEC": 1000, "NSEC_PER_USEC": 1000, "NSEC_PER_MSEC": 1000000,
	"INT_MAX": 1<<31 - 1, "UINT_MAX": 1<<32 - 1, "LONG_MAX": 1<<63 - 1, "ULONG_MAX": -1,
	"PSCI_0_2_AFFINITY_LEVEL_ON": sim.AffinityOn, "PSCI_0_2_AFFINITY_LEVEL_OFF": sim.AffinityOff,
	"PSCI_0_2_AFFINITY_LEVEL_ON_PENDING": sim.AffinityOnPending,
	"PSCI_RET_SUCCESS":                   sim.PSCISuccess, "PSCI_RET_NOT_SUPPORTED": sim.PSCINotSupported,
	"PSCI_RET_INVALID_PARAMS": sim.PSCIInvalidParams, "PSCI_RET_DENIED": sim.PSCIDenied,
	"PSCI_RET_ALREADY_ON": sim.PSCIAlreadyOn, "PSCI_RET_ON_PENDING": sim.PSCIOnPending,
	"PSCI_RET_INTERNAL_FAILURE": sim.PSCIInternalFailure,
	"EPERM":                     1, "ENOENT": 2, "EIO": 5, "EAGAIN": 11, "ENOMEM": 12, "EBUSY": 16, "ENODEV": 19, "EINVAL": 22,
	"ENOSYS": 38, "EOPNOTSUPP": 95, "ETIMEDOUT": 110,
}

var builtinTypes = map[string]ctype{"ULONG_MAX": tUlong, "UINT_MAX": tUint, "LONG_MAX": tLong}

// lookupConst returns the value of a named constant.
func (c *compiler) lookupConst(name string) (int64, ctype, bool) {
	if cd, ok := c.consts[name]; ok {
		switch cd.state {
		case 2:
			return cd.val, cd.typ, true
		case 0:
			cd.state = 1
			v, t, ok := c.constValue(cd.u, cd.expr, "")
			if ok {
				cd.val, cd.state = v, 2
				if cd.typ == (ctype{}) {
					cd.typ = t
				}
				return cd.val, cd.typ, true
			}
			cd.state = 3
		}
		return 0, ctype{}, false
	}
	if v, ok := builtinConsts[name]; ok {
		t, ok := builtinTypes[name]
		if !ok {
			t = tInt
		}
		return v, t, true
	}
	return 0, ctype{}, false
}

// intLitType is the type of an integer literal (C11 6.4.4.1).
func intLitType(l *cfront.IntLit) ctype {
	dec := len(l.Text) > 0 && l.Text[0] != '0' || l.Text == "0"
	fitsInt := l.Value <= 1<<31-1
	fitsUint := l.Value <= 1<<32-1
	fitsLong := l.Value <= 1<<63-1
	switch {
	case l.Unsigned && l.Long == 0 && fitsUint:
		return tUint
	case l.Unsigned:
		return tUlong
	case l.Long == 0 && fitsInt:
		return tInt
	case l.Long == 0 && !dec && fitsUint:
		return tUint
	case fitsLong:
		return tLong
	}
	return tUlong
}

// constValue evaluates a constant expression. The value is returned as
// int64 already converted to the expression's type.
func (c *compiler) constValue(u *unit, e cfront.Expr, fn string) (int64, ctype, bool) {
	switch e := e.(type) {
	case *cfront.IntLit:
		t := intLitType(e)
		return int64(truncate(e.Value, t.it)), t, true
	case *cfront.CharLit:
		return e.Value, tInt, true
	case *cfront.Ident:
		return c.lookupConst(e.Name)
	case *cfront.UnaryExpr:
		v, t, ok := c.constValue(u, e.X, fn)
		if !ok || t.k != kInt {
			return 0, t, false
		}
		pt := promote(t.it)
		switch e.Op {
		case "-":
			return int64(truncate(uint64(-v), pt)), ctype{k: kInt, it: pt}, true
		case "+":
			return int64(truncate(uint64(v), pt)), ctype{k: kInt, it: pt}, true
		case "~":
			return int64(truncate(^uint64(v), pt)), ctype{k: kInt, it: pt}, true
		case "!":
			if v == 0 {
				return 1, tInt, true
			}
			return 0, tInt, true
		}
	case *cfront.BinaryExpr:
		x, tx, ok1 := c.constValue(u, e.X, fn)
		y, ty, ok2 := c.constValue(u, e.Y, fn)
		if !ok1 || !ok2 || tx.k != kInt || ty.k != kInt {
			return 0, tInt, false
		}
		switch e.Op {
		case "&&":
			return b2i(x != 0 && y != 0), tInt, true
		case "||":
			return b2i(x != 0 || y != 0), tInt, true
		}
		t := common(tx.it, ty.it)
		if e.Op == "<<" || e.Op == ">>" {
			t = promote(tx.it)
		}
		op, ok := binOps[e.Op]
		if !ok {
			return 0, tInt, false
		}
		r, ok := evalBin(op, truncate(uint64(x), t), truncate(uint64(y), t), t)
		if !ok {
			return 0, tInt, false
		}
		if op >= sim.Eq {
			return int64(r), tInt, true
		}
		return int64(r), ctype{k: kInt, it: t}, true
	case *cfront.CastExpr:
		v, _, ok := c.constValue(u, e.X, fn)
		t := c.resolveType(u, e.Type, fn)
		if !ok || t.k != kInt {
			return 0, t, false
		}
		return int64(truncate(uint64(v), t.it)), t, true
	case *cfront.SizeofExpr:
		if e.Type != nil {
			n, ok := c.sizeOf(u, e.Type, fn)
			return n, tUlong, ok
		}
	case *cfront.CondExpr:
		cv, _, ok := c.constValue(u, e.Cond, fn)
		if !ok {
			return 0, tInt, false
		}
		if cv != 0 {
			return c.constValue(u, e.Then, fn)
		}
		return c.constValue(u, e.Else, fn)
	case *cfront.CallExpr:
		// ATOMIC_INIT(v) and friends initialise atomics.
		if id, ok := e.Fun.(*cfront.Ident); ok && (id.Name == "ATOMIC_INIT" || id.Name == "ATOMIC64_INIT" || id.Name == "ATOMIC_LONG_INIT") && len(e.Args) == 1 {
			return c.constValue(u, e.Args[0], fn)
		}
		if id, ok := e.Fun.(*cfront.Ident); ok && (id.Name == "BIT" || id.Name == "BIT_ULL") && len(e.Args) == 1 {
			v, _, ok := c.constValue(u, e.Args[0], fn)
			return int64(uint64(1) << (uint64(v) & 63)), tUlong, ok
		}
	}
	return 0, tInt, false
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

var binOps = map[string]sim.BinOp{
	"+": sim.Add, "-": sim.Sub, "*": sim.Mul, "/": sim.Div, "%": sim.Mod,
	"&": sim.And, "|": sim.Or, "^": sim.Xor, "<<": sim.Shl, ">>": sim.Shr,
	"==": sim.Eq, "!=": sim.Ne, "<": sim.Lt, "<=": sim.Le, ">": sim.Gt, ">=": sim.Ge,
}

// evalBin computes a binary operation as the machine does (used for
// constant folding; ok is false for division by zero).
func evalBin(op sim.BinOp, a, b uint64, t sim.Type) (uint64, bool) {
	a, b = truncate(a, t), truncate(b, t)
	sa, sb := int64(a), int64(b)
	less := func(x, y uint64) bool {
		if t.Signed {
			return int64(x) < int64(y)
		}
		return x < y
	}
	var r uint64
	switch op {
	case sim.Add:
		r = a + b
	case sim.Sub:
		r = a - b
	case sim.Mul:
		r = a * b
	case sim.Div, sim.Mod:
		if b == 0 {
			return 0, false
		}
		switch {
		case t.Signed && op == sim.Div:
			if sb == -1 {
				r = uint64(-sa)
			} else {
				r = uint64(sa / sb)
			}
		case t.Signed:
			if sb == -1 {
				r = 0
			} else {
				r = uint64(sa % sb)
			}
		case op == sim.Div:
			r = a / b
		default:
			r = a % b
		}
	case sim.And:
		r = a & b
	case sim.Or:
		r = a | b
	case sim.Xor:
		r = a ^ b
	case sim.Shl:
		r = a << (b & 63)
	case sim.Shr:
		if t.Signed {
			r = uint64(sa >> (b & 63))
		} else {
			r = a >> (b & 63)
		}
	case sim.Eq:
		return uint64(b2i(a == b)), true
	case sim.Ne:
		return uint64(b2i(a != b)), true
	case sim.Lt:
		return uint64(b2i(less(a, b))), true
	case sim.Le:
		return uint64(b2i(!less(b, a))), true
	case sim.Gt:
		return uint64(b2i(less(b, a))), true
	case sim.Ge:
		return uint64(b2i(!less(a, b))), true
	}
	return truncate(r, t), true
}
