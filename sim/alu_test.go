package sim

import "testing"

func TestBinop(t *testing.T) {
	neg := func(x int64) uint64 { return uint64(x) }
	tests := []struct {
		op   BinOp
		a, b uint64
		t    Type
		want uint64
		ok   bool
	}{
		{Sub, 0, 1, Ulong, ^uint64(0), true},                     // timeout-- at 0 wraps to ULONG_MAX
		{Sub, 0, 1, Uint, 0xffffffff, true},                      // unsigned int wraps at 32 bits
		{Sub, 0, 1, Int, neg(-1), true},                          // int: sign-extended
		{Add, 0x7fffffff, 1, Int, neg(-2147483648), true},        // int overflow wraps (as the compiler emits it)
		{Add, 0xff, 1, Type{Bits: 8}, 0, true},                   // u8 wraps
		{Mul, 0x10000, 0x10000, Uint, 0, true},                   // 32-bit truncation
		{Div, 7, 0, Int, 0, false},                               // division by zero: an oops, not a Go panic
		{Mod, 7, 0, Ulong, 0, false},                             //
		{Div, neg(-7), 2, Int, neg(-3), true},                    // C truncates toward zero
		{Mod, neg(-7), 2, Int, neg(-1), true},                    //
		{Div, neg(-1 << 63), neg(-1), Long, neg(-1 << 63), true}, // the overflowing case does not trap
		{Lt, neg(-1), 0, Int, 1, true},                           // signed compare
		{Lt, neg(-1), 0, Ulong, 0, true},                         // unsigned compare
		{Lt, 0xffffffff, 0, Int, 1, true},                        // operands normalised to the type first
		{Shr, neg(-8), 1, Int, neg(-4), true},                    // arithmetic shift when signed
		{Shr, 0x80000000, 31, Uint, 1, true},                     //
		{Shl, 1, 31, Int, neg(-2147483648), true},                //
		{Eq, 0x100000001, 1, Uint, 1, true},                      // compared in 32 bits
		{Add, 1, 1, Bool, 1, true},                               // _Bool: non-zero is 1
	}
	for i, tt := range tests {
		got, ok := binop(tt.op, tt.a, tt.b, tt.t)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%d: binop(%d, %#x, %#x, %+v) = %#x, %v; want %#x, %v", i, tt.op, tt.a, tt.b, tt.t, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUnopTrunc(t *testing.T) {
	if got := unop(Neg, 1, Uint); got != 0xffffffff {
		t.Errorf("-1u = %#x", got)
	}
	if got := unop(Not, 0x100000000, Uint); got != 1 {
		t.Errorf("!x in 32 bits = %d", got)
	}
	if got := unop(BitNot, 0, Type{Bits: 16, Signed: true}); got != ^uint64(0) {
		t.Errorf("~(short)0 = %#x", got)
	}
	if got := trunc(0x1ff, Type{Bits: 8, Signed: true}); got != ^uint64(0) {
		t.Errorf("(s8)0x1ff = %#x", got)
	}
}
