package cfront

import (
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
)

// The C grammar, and its field ids by name. The binding's by-name lookups
// copy the name into C memory at every call (FieldIdForName, which
// ChildrenByFieldName uses, never frees it): the conversion asks for a
// field of nearly every node, so the ids are looked up once.
var grammar = sync.OnceValues(func() (*sitter.Language, map[string]uint16) {
	lang := sitter.NewLanguage(tsc.Language())
	ids := map[string]uint16{}
	for id := uint16(1); id <= uint16(lang.FieldCount()); id++ {
		ids[lang.FieldNameForId(id)] = id
	}
	return lang, ids
})

// kindNames are the grammar's node kinds by symbol id: Node.Kind() copies
// the name out of C memory at each call.
var kindNames = sync.OnceValue(func() []string {
	lang, _ := grammar()
	names := make([]string, lang.NodeKindCount())
	for id := range names {
		names[id] = lang.NodeKindForId(uint16(id))
	}
	return names
})

// kind is n.Kind(), from the table when the id is in it (ERROR's is not).
func kind(n *sitter.Node) string {
	if id := int(n.KindId()); id < len(kindNames()) {
		return kindNames()[id]
	}
	return n.Kind()
}

// fieldID is the grammar's id of a field name; it panics on a name the
// grammar does not have, which is a mistake in this package.
func fieldID(name string) uint16 {
	_, ids := grammar()
	id, ok := ids[name]
	if !ok {
		panic("cfront: the C grammar has no field " + name)
	}
	return id
}

// field is n's child in the named field, or nil.
func field(n *sitter.Node, name string) *sitter.Node {
	return n.ChildByFieldId(fieldID(name))
}

// fieldChildren returns the children of n in a field, closing the cursor
// it needs (cursors hold C memory).
func fieldChildren(n *sitter.Node, name string) []sitter.Node {
	id := fieldID(name)
	cur := n.Walk()
	defer cur.Close()
	var out []sitter.Node
	for ok := cur.GotoFirstChild(); ok; ok = cur.GotoNextSibling() {
		if cur.FieldId() == id {
			out = append(out, *cur.Node())
		}
	}
	return out
}
