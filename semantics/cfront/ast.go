// Package cfront is a front end for the subset of kernel C that the model
// library and kernel patches are written in. It turns C text (a complete
// file, or a fragment such as a hunk's pre- or post-image that starts or
// ends in the middle of a function) into a small syntax tree whose every node
// carries the line and column it came from in the input.
//
// Parsing is done in two steps. A pre-pass (see prepass.go) handles what the
// C grammar does not know about the kernel: comments, #if/#ifdef evaluated
// against a configuration, object-like #define constants, attributes such as
// __noreturn or __init, DEFINE_PER_CPU, and iterator macros like
// for_each_online_cpu(cpu). It keeps every line where it was. The C grammar
// itself is tree-sitter's; its concrete tree is converted into the types of
// this file and never leaves the package.
package cfront

import "fmt"

// Pos is a 1-based line and byte column in the input text.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// IsValid reports whether p is a position (the zero Pos is not).
func (p Pos) IsValid() bool { return p.Line > 0 }

// Diag is a diagnostic: a syntax error, a construct outside the subset, or a
// note from the pre-pass (an unknown CONFIG_ option).
type Diag struct {
	Pos  Pos
	Kind string // "syntax", "unsupported", "preprocessor", "unknown-config"
	Msg  string
}

func (d Diag) String() string { return fmt.Sprintf("%s: %s: %s", d.Pos, d.Kind, d.Msg) }

// File is the result of parsing one text.
type File struct {
	Name    string
	Funcs   []*FuncDecl
	Vars    []*VarDecl // file-scope variables, including DEFINE_PER_CPU ones
	Enums   []*EnumDecl
	Structs []*StructDecl
	Defines []*Define
	// Stmts are statements found outside any function definition. A
	// fragment that starts inside a function yields a FuncDecl with
	// CutStart set instead; Stmts only holds stray statements.
	Stmts []Stmt
	Diags []Diag // every diagnostic, syntax errors included, in position order
}

// Type is a C type as written.
type Type struct {
	Pos    Pos
	Name   string // "unsigned long", "int", "u64", "struct cpu_operations", "cpumask_t", "void"
	Const  bool
	Ptr    int    // levels of pointer
	Array  []Expr // array dimensions, outermost first (nil element: [])
	Func   *FuncType
	Struct *StructDecl // an inline struct definition, if any
	Enum   *EnumDecl   // an inline enum definition, if any
}

// FuncType is the type of a function pointer.
type FuncType struct {
	Result *Type
	Params []*Param
}

// Param is a function parameter.
type Param struct {
	Pos  Pos
	Name string // empty for an unnamed parameter
	Type *Type
}

// FuncDecl is a function definition, or a function fragment when the text
// starts or ends inside it.
type FuncDecl struct {
	Pos      Pos // start of the definition (first specifier)
	Name     string
	NamePos  Pos
	Result   *Type
	Params   []*Param
	Variadic bool
	Static   bool
	Inline   bool
	NoReturn bool     // __noreturn or __attribute__((noreturn))
	Attrs    []string // attributes removed by the pre-pass, in order
	Body     *BlockStmt
	// CutStart marks a fragment that starts inside the function: Name,
	// Result and Params are unknown and Body holds the statements seen.
	CutStart bool
	// CutEnd marks a function whose body the text ends inside.
	CutEnd bool
}

// VarDecl declares one variable.
type VarDecl struct {
	Pos    Pos // position of the name
	Name   string
	Type   *Type
	Static bool
	Extern bool
	PerCPU bool // DEFINE_PER_CPU / DECLARE_PER_CPU
	Init   Expr // nil when absent
}

// EnumDecl is an enum type definition.
type EnumDecl struct {
	Pos    Pos
	Name   string
	Values []*Enumerator
}

// Enumerator is one enum constant; Value is nil when implicit.
type Enumerator struct {
	Pos   Pos
	Name  string
	Value Expr
}

// StructDecl is a struct (or union) type definition.
type StructDecl struct {
	Pos    Pos
	Name   string
	Union  bool
	Fields []*Param
}

// Define is an object-like #define. Value is nil when Text is empty or is
// not an expression.
type Define struct {
	Pos   Pos
	Name  string
	Text  string
	Value Expr
}

// Node is any syntax tree node.
type Node interface{ Position() Pos }

// Stmt is a statement.
type Stmt interface {
	Node
	stmt()
}

// Expr is an expression.
type Expr interface {
	Node
	expr()
}

// Statements.
type (
	BlockStmt struct {
		Pos   Pos
		End   Pos // the closing brace (zero when the text ends inside the block)
		Stmts []Stmt
	}
	DeclStmt struct {
		Pos   Pos
		Decls []*VarDecl
	}
	ExprStmt struct {
		Pos Pos
		X   Expr
	}
	EmptyStmt struct{ Pos Pos }
	IfStmt    struct {
		Pos  Pos
		Cond Expr
		Then Stmt
		Else Stmt // nil when absent
	}
	WhileStmt struct {
		Pos  Pos
		Cond Expr
		Body Stmt
	}
	DoStmt struct {
		Pos  Pos
		Body Stmt
		Cond Expr
	}
	ForStmt struct {
		Pos  Pos
		Init Stmt // nil, *DeclStmt or *ExprStmt
		Cond Expr // nil: forever
		Post Expr // nil when absent
		Body Stmt
	}
	// ForEachStmt is an iterator macro: for_each_online_cpu(cpu) Body.
	ForEachStmt struct {
		Pos   Pos
		Macro string
		Args  []Expr
		Body  Stmt
	}
	SwitchStmt struct {
		Pos   Pos
		Tag   Expr
		Body  []Stmt        // statements before the first case label (unreachable)
		Cases []*CaseClause // in source order; control falls through between them
	}
	CaseClause struct {
		Pos   Pos
		Value Expr // nil for default
		Stmts []Stmt
	}
	LabeledStmt struct {
		Pos   Pos
		Label string
		Stmt  Stmt
	}
	GotoStmt struct {
		Pos   Pos
		Label string
	}
	BreakStmt    struct{ Pos Pos }
	ContinueStmt struct{ Pos Pos }
	ReturnStmt   struct {
		Pos    Pos
		Result Expr // nil for "return;"
	}
	// BadStmt is a statement outside the subset or a syntax error.
	BadStmt struct {
		Pos  Pos
		Text string
	}
)

// Expressions.
type (
	Ident struct {
		Pos  Pos
		Name string
	}
	IntLit struct {
		Pos      Pos
		Text     string
		Value    uint64
		Unsigned bool // U suffix
		Long     int  // number of L suffixes
	}
	CharLit struct {
		Pos   Pos
		Value int64
	}
	StringLit struct {
		Pos   Pos
		Value string // decoded; adjacent literals concatenated
	}
	CallExpr struct {
		Pos  Pos
		Fun  Expr
		Args []Expr
	}
	BinaryExpr struct {
		Pos  Pos // position of the left operand
		Op   string
		X, Y Expr
	}
	UnaryExpr struct {
		Pos Pos
		Op  string // "-", "+", "!", "~", "&", "*"
		X   Expr
	}
	IncDecExpr struct {
		Pos  Pos
		Op   string // "++" or "--"
		Post bool
		X    Expr
	}
	AssignExpr struct {
		Pos  Pos
		Op   string // "=", "+=", "-=", ...
		X, Y Expr
	}
	CondExpr struct {
		Pos              Pos
		Cond, Then, Else Expr
	}
	CastExpr struct {
		Pos  Pos
		Type *Type
		X    Expr
	}
	SizeofExpr struct {
		Pos  Pos
		Type *Type // sizeof(type)
		X    Expr  // sizeof expr
	}
	MemberExpr struct {
		Pos   Pos
		X     Expr
		Name  string
		Arrow bool
	}
	IndexExpr struct {
		Pos      Pos
		X, Index Expr
	}
	CommaExpr struct {
		Pos  Pos
		List []Expr
	}
	// InitList is a brace initialiser; designated entries have Field set.
	InitList struct {
		Pos   Pos
		Elems []*InitElem
	}
	// BadExpr is an expression outside the subset or a syntax error.
	BadExpr struct {
		Pos  Pos
		Text string
	}
)

// InitElem is one entry of an initialiser list: .Field = Value, [Index] =
// Value or a plain Value.
type InitElem struct {
	Pos   Pos
	Field string
	Index Expr
	Value Expr
}

func (s *BlockStmt) Position() Pos    { return s.Pos }
func (s *DeclStmt) Position() Pos     { return s.Pos }
func (s *ExprStmt) Position() Pos     { return s.Pos }
func (s *EmptyStmt) Position() Pos    { return s.Pos }
func (s *IfStmt) Position() Pos       { return s.Pos }
func (s *WhileStmt) Position() Pos    { return s.Pos }
func (s *DoStmt) Position() Pos       { return s.Pos }
func (s *ForStmt) Position() Pos      { return s.Pos }
func (s *ForEachStmt) Position() Pos  { return s.Pos }
func (s *SwitchStmt) Position() Pos   { return s.Pos }
func (s *CaseClause) Position() Pos   { return s.Pos }
func (s *LabeledStmt) Position() Pos  { return s.Pos }
func (s *GotoStmt) Position() Pos     { return s.Pos }
func (s *BreakStmt) Position() Pos    { return s.Pos }
func (s *ContinueStmt) Position() Pos { return s.Pos }
func (s *ReturnStmt) Position() Pos   { return s.Pos }
func (s *BadStmt) Position() Pos      { return s.Pos }

func (*BlockStmt) stmt()    {}
func (*DeclStmt) stmt()     {}
func (*ExprStmt) stmt()     {}
func (*EmptyStmt) stmt()    {}
func (*IfStmt) stmt()       {}
func (*WhileStmt) stmt()    {}
func (*DoStmt) stmt()       {}
func (*ForStmt) stmt()      {}
func (*ForEachStmt) stmt()  {}
func (*SwitchStmt) stmt()   {}
func (*CaseClause) stmt()   {}
func (*LabeledStmt) stmt()  {}
func (*GotoStmt) stmt()     {}
func (*BreakStmt) stmt()    {}
func (*ContinueStmt) stmt() {}
func (*ReturnStmt) stmt()   {}
func (*BadStmt) stmt()      {}

func (e *Ident) Position() Pos      { return e.Pos }
func (e *IntLit) Position() Pos     { return e.Pos }
func (e *CharLit) Position() Pos    { return e.Pos }
func (e *StringLit) Position() Pos  { return e.Pos }
func (e *CallExpr) Position() Pos   { return e.Pos }
func (e *BinaryExpr) Position() Pos { return e.Pos }
func (e *UnaryExpr) Position() Pos  { return e.Pos }
func (e *IncDecExpr) Position() Pos { return e.Pos }
func (e *AssignExpr) Position() Pos { return e.Pos }
func (e *CondExpr) Position() Pos   { return e.Pos }
func (e *CastExpr) Position() Pos   { return e.Pos }
func (e *SizeofExpr) Position() Pos { return e.Pos }
func (e *MemberExpr) Position() Pos { return e.Pos }
func (e *IndexExpr) Position() Pos  { return e.Pos }
func (e *CommaExpr) Position() Pos  { return e.Pos }
func (e *InitList) Position() Pos   { return e.Pos }
func (e *BadExpr) Position() Pos    { return e.Pos }

func (*Ident) expr()      {}
func (*IntLit) expr()     {}
func (*CharLit) expr()    {}
func (*StringLit) expr()  {}
func (*CallExpr) expr()   {}
func (*BinaryExpr) expr() {}
func (*UnaryExpr) expr()  {}
func (*IncDecExpr) expr() {}
func (*AssignExpr) expr() {}
func (*CondExpr) expr()   {}
func (*CastExpr) expr()   {}
func (*SizeofExpr) expr() {}
func (*MemberExpr) expr() {}
func (*IndexExpr) expr()  {}
func (*CommaExpr) expr()  {}
func (*InitList) expr()   {}
func (*BadExpr) expr()    {}
