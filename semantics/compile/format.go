package compile

import (
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
)

// exprString prints an expression back as C, for the names of waits.
func exprString(e cfront.Expr) string {
	var sb strings.Builder
	writeExpr(&sb, e)
	return sb.String()
}

func writeExpr(sb *strings.Builder, e cfront.Expr) {
	switch e := e.(type) {
	case nil:
	case *cfront.Ident:
		sb.WriteString(e.Name)
	case *cfront.IntLit:
		sb.WriteString(e.Text)
	case *cfront.CharLit:
		sb.WriteString(strconv.QuoteRune(rune(e.Value)))
	case *cfront.StringLit:
		sb.WriteString(strconv.Quote(e.Value))
	case *cfront.CallExpr:
		writeExpr(sb, e.Fun)
		sb.WriteByte('(')
		for i, a := range e.Args {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeExpr(sb, a)
		}
		sb.WriteByte(')')
	case *cfront.BinaryExpr:
		writeOperand(sb, e.X)
		sb.WriteString(" " + e.Op + " ")
		writeOperand(sb, e.Y)
	case *cfront.UnaryExpr:
		sb.WriteString(e.Op)
		writeOperand(sb, e.X)
	case *cfront.IncDecExpr:
		if e.Post {
			writeOperand(sb, e.X)
			sb.WriteString(e.Op)
		} else {
			sb.WriteString(e.Op)
			writeOperand(sb, e.X)
		}
	case *cfront.AssignExpr:
		writeExpr(sb, e.X)
		sb.WriteString(" " + e.Op + " ")
		writeExpr(sb, e.Y)
	case *cfront.CondExpr:
		writeOperand(sb, e.Cond)
		sb.WriteString(" ? ")
		writeOperand(sb, e.Then)
		sb.WriteString(" : ")
		writeOperand(sb, e.Else)
	case *cfront.CastExpr:
		sb.WriteString("(" + e.Type.Name + strings.Repeat("*", e.Type.Ptr) + ")")
		writeOperand(sb, e.X)
	case *cfront.SizeofExpr:
		sb.WriteString("sizeof(")
		if e.Type != nil {
			sb.WriteString(e.Type.Name + strings.Repeat("*", e.Type.Ptr))
		} else {
			writeExpr(sb, e.X)
		}
		sb.WriteByte(')')
	case *cfront.MemberExpr:
		writeOperand(sb, e.X)
		if e.Arrow {
			sb.WriteString("->")
		} else {
			sb.WriteByte('.')
		}
		sb.WriteString(e.Name)
	case *cfront.IndexExpr:
		writeOperand(sb, e.X)
		sb.WriteByte('[')
		writeExpr(sb, e.Index)
		sb.WriteByte(']')
	case *cfront.CommaExpr:
		for i, x := range e.List {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeExpr(sb, x)
		}
	default:
		sb.WriteString("?")
	}
}

func writeOperand(sb *strings.Builder, e cfront.Expr) {
	switch e.(type) {
	case *cfront.BinaryExpr, *cfront.CondExpr, *cfront.AssignExpr, *cfront.CommaExpr:
		sb.WriteByte('(')
		writeExpr(sb, e)
		sb.WriteByte(')')
	default:
		writeExpr(sb, e)
	}
}
