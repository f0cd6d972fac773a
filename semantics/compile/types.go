package compile

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// kind is the kind of value an expression has.
type kind uint8

const (
	kInt       kind = iota // an integer (bool, char, int, long, enum, atomic_t, ...)
	kVoid                  // no value
	kMask                  // a cpumask (a local's mask slot)
	kStruct                // a struct object (an ops table)
	kStructPtr             // a pointer to a struct: the table id, 0 for NULL
	kPtr                   // another pointer: an opaque 64-bit value
	kFunc                  // a function reference
	kString                // a string literal (index into Program.Strings)
	kFieldPtr              // a pointer to a field of a per-CPU struct: the CPU index (see pcpustruct.go)
)

// ctype is a C type as the compiler sees it.
type ctype struct {
	k      kind
	it     sim.Type // the register type (kInt; pointers are Ulong)
	name   string   // struct name for kStruct and kStructPtr; the field's slot for kFieldPtr
	atomic bool     // atomic_t and friends
}

var (
	tInt   = ctype{k: kInt, it: sim.Int}
	tUint  = ctype{k: kInt, it: sim.Uint}
	tLong  = ctype{k: kInt, it: sim.Long}
	tUlong = ctype{k: kInt, it: sim.Ulong}
	tBool  = ctype{k: kInt, it: sim.Bool}
	tVoid  = ctype{k: kVoid}
	tMask  = ctype{k: kMask}
	tFunc  = ctype{k: kFunc, it: sim.Ulong}
	tStr   = ctype{k: kString, it: sim.Ulong}
	tPtr   = ctype{k: kPtr, it: sim.Ulong}
)

// intTypes maps the integer type names of kernel C to register types.
var intTypes = map[string]sim.Type{
	"bool": sim.Bool, "_Bool": sim.Bool,
	"char": {Bits: 8, Signed: true}, "signed char": {Bits: 8, Signed: true}, "s8": {Bits: 8, Signed: true}, "int8_t": {Bits: 8, Signed: true},
	"unsigned char": {Bits: 8}, "u8": {Bits: 8}, "uint8_t": {Bits: 8}, "__u8": {Bits: 8},
	"short": {Bits: 16, Signed: true}, "short int": {Bits: 16, Signed: true}, "signed short": {Bits: 16, Signed: true}, "s16": {Bits: 16, Signed: true}, "int16_t": {Bits: 16, Signed: true},
	"unsigned short": {Bits: 16}, "unsigned short int": {Bits: 16}, "u16": {Bits: 16}, "uint16_t": {Bits: 16}, "__u16": {Bits: 16},
	"int": sim.Int, "signed": sim.Int, "signed int": sim.Int, "s32": sim.Int, "int32_t": sim.Int, "__s32": sim.Int,
	"unsigned": sim.Uint, "unsigned int": sim.Uint, "u32": sim.Uint, "uint32_t": sim.Uint, "__u32": sim.Uint, "uint": sim.Uint,
	"long": sim.Long, "long int": sim.Long, "signed long": sim.Long, "long long": sim.Long, "long long int": sim.Long,
	"s64": sim.Long, "int64_t": sim.Long, "__s64": sim.Long, "ssize_t": sim.Long, "time64_t": sim.Long, "ktime_t": sim.Long, "loff_t": sim.Long,
	"unsigned long": sim.Ulong, "unsigned long int": sim.Ulong, "unsigned long long": sim.Ulong, "u64": sim.Ulong, "uint64_t": sim.Ulong,
	"__u64": sim.Ulong, "size_t": sim.Ulong, "phys_addr_t": sim.Ulong, "uintptr_t": sim.Ulong, "ulong": sim.Ulong, "cycles_t": sim.Ulong,
	"atomic_t": sim.Int, "atomic64_t": sim.Long, "atomic_long_t": sim.Long,
}

// resolveType maps a declared type to a ctype. Unknown type names are
// reported and taken as long.
func (c *compiler) resolveType(u *unit, t *cfront.Type, fn string) ctype {
	if t == nil {
		return tInt
	}
	name := t.Name
	if t.Func != nil {
		return tFunc
	}
	if len(t.Array) > 0 {
		c.diag("unsupported", name, c.loc(u, t.Pos, fn), "array of %s", name)
		return tLong
	}
	if t.Ptr > 0 {
		switch {
		case strings.HasPrefix(name, "struct ") && name != "struct cpumask":
			return ctype{k: kStructPtr, it: sim.Ulong, name: strings.TrimPrefix(name, "struct ")}
		case name == "char" && t.Ptr == 1:
			return tStr
		}
		return tPtr
	}
	switch {
	case name == "void":
		return tVoid
	case name == "cpumask_t" || name == "struct cpumask" || name == "cpumask_var_t":
		return tMask
	case strings.HasPrefix(name, "enum"):
		return tInt
	case strings.HasPrefix(name, "struct ") || strings.HasPrefix(name, "union "):
		return ctype{k: kStruct, name: strings.TrimPrefix(strings.TrimPrefix(name, "struct "), "union ")}
	}
	if it, ok := intTypes[name]; ok {
		return ctype{k: kInt, it: it, atomic: strings.HasPrefix(name, "atomic")}
	}
	c.diag("unsupported", name, c.loc(u, t.Pos, fn), "unknown type %s (taken as long)", name)
	return tLong
}

// promote applies the integer promotions.
func promote(t sim.Type) sim.Type {
	if t.Bits < 32 {
		return sim.Int
	}
	return t
}

// common is the usual arithmetic conversion of two integer types.
func common(a, b sim.Type) sim.Type {
	a, b = promote(a), promote(b)
	if a == b {
		return a
	}
	if a.Signed == b.Signed {
		if a.Bits > b.Bits {
			return a
		}
		return b
	}
	u, s := a, b
	if a.Signed {
		u, s = b, a
	}
	if u.Bits >= s.Bits {
		return u
	}
	return s // the signed type is wider and holds every value of the unsigned one
}

// truncate reduces v to t's width, sign-extending signed types, as the
// machine's registers hold values.
func truncate(v uint64, t sim.Type) uint64 {
	switch t.Bits {
	case 1:
		if v != 0 {
			return 1
		}
		return 0
	case 64:
		return v
	}
	mask := uint64(1)<<t.Bits - 1
	v &= mask
	if t.Signed && v&(uint64(1)<<(t.Bits-1)) != 0 {
		v |= ^mask
	}
	return v
}

// sizeOf is sizeof of a type on arm64.
func (c *compiler) sizeOf(u *unit, t *cfront.Type, fn string) (int64, bool) {
	if t.Ptr > 0 {
		return 8, true
	}
	ct := c.resolveType(u, t, fn)
	if ct.k == kInt {
		switch ct.it.Bits {
		case 1, 8:
			return 1, true
		default:
			return int64(ct.it.Bits / 8), true
		}
	}
	return 0, false
}
