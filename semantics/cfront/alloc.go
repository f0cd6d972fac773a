package cfront

/*
#include <stdlib.h>

// The tree-sitter library's allocator hook (tree_sitter/api.h).
void ts_set_allocator(void *(*)(size_t), void *(*)(size_t, size_t), void *(*)(void *, size_t), void (*)(void *));

static void use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }
*/
import "C"

// The Go binding routes every allocation of the C library through a Go
// callback that calls C's malloc again: one C-to-Go transition per node
// allocated, a sixth of a parse. Its default functions are libc's, so
// handing libc's to the library directly changes nothing else: memory the
// binding frees through its own hook comes from the same heap.
func init() { C.use_libc_allocator() }
