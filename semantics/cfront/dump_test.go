package cfront

import (
	"fmt"
	"reflect"
	"strings"
)

// dump renders a syntax tree compactly for tests: node type names with
// their scalar fields, positions as line:col.
func dump(v any) string {
	var sb strings.Builder
	dumpValue(&sb, reflect.ValueOf(v), 0)
	return sb.String()
}

func dumpValue(sb *strings.Builder, v reflect.Value, depth int) {
	ind := strings.Repeat("  ", depth)
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		dumpValue(sb, v.Elem(), depth)
	case reflect.Slice:
		if v.Len() == 0 {
			sb.WriteString("[]")
			return
		}
		sb.WriteString("[\n")
		for i := 0; i < v.Len(); i++ {
			sb.WriteString(ind + "  ")
			dumpValue(sb, v.Index(i), depth+1)
			sb.WriteString("\n")
		}
		sb.WriteString(ind + "]")
	case reflect.Struct:
		if p, ok := v.Interface().(Pos); ok {
			sb.WriteString(p.String())
			return
		}
		sb.WriteString(v.Type().Name() + "{")
		first := true
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.IsZero() {
				continue
			}
			if !first {
				sb.WriteString(" ")
			}
			first = false
			sb.WriteString(v.Type().Field(i).Name + ":")
			dumpValue(sb, f, depth+1)
		}
		sb.WriteString("}")
	case reflect.String:
		fmt.Fprintf(sb, "%q", v.String())
	default:
		fmt.Fprint(sb, v.Interface())
	}
}
