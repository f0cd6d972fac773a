package fromtree_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/fromtree"
	"github.com/patchcheck/patchcheck/semantics/models"
)

type dirFiles string

func (d dirFiles) File(p string) ([]byte, string, error) {
	b, err := os.ReadFile(filepath.Join(string(d), p))
	if err != nil {
		return nil, "", err
	}
	return b, plumbing.ComputeHash(plumbing.BlobObject, b).String(), nil
}

// The functions of the kexec and stop paths that must come from the tree's
// own text: the ones the seed patch and the stop-path patches change, and
// what they call. Expectations come from reading each tree's source: all
// are plain C of the subset; get_cpu_ops indexes an array of ops pointers
// (cpu_ops[cpu]) and stays bound to the enable-method configuration.
func TestTreeOrigins(t *testing.T) {
	for _, tc := range []struct {
		version string
		tree    []string
		bound   []string
	}{
		{"6.1", []string{"machine_shutdown", "smp_send_stop", "local_cpu_stop", "cpu_die", "cpu_psci_cpu_kill",
			"cpu_psci_cpu_die", "__cpu_disable", "op_cpu_kill", "__cpu_die", "ipi_cpu_crash_stop",
			"crash_smp_send_stop", "smp_shutdown_nonboot_cpus", "panic_smp_self_stop"}, []string{"get_cpu_ops"}},
		{"6.12", []string{"machine_shutdown", "smp_send_stop", "local_cpu_stop", "cpu_die", "cpu_psci_cpu_kill",
			"cpu_psci_cpu_die", "ipi_should_be_nmi", "do_handle_IPI", "ipi_cpu_crash_stop", "crash_smp_send_stop",
			"__cpu_try_die", "panic_smp_self_stop"}, []string{"get_cpu_ops"}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			dir := testtree.Dir(t, tc.version)
			cc := semantics.CompileConfig(semantics.Config{})
			r, err := fromtree.Build(dirFiles(dir), models.Default(), cc)
			if err != nil {
				t.Fatal(err)
			}
			if r.Version == "" || r.Version[:len(tc.version)] != tc.version {
				t.Errorf("version %q, want %s.*", r.Version, tc.version)
			}
			for _, name := range tc.tree {
				if o := r.Origin(name); o != fromtree.FromTree {
					t.Errorf("%s: origin %q, want tree (%s)", name, o, why(r, name))
				}
			}
			for _, name := range tc.bound {
				if o := r.Origin(name); o != fromtree.Bound {
					t.Errorf("%s: origin %q, want bound", name, o)
				}
			}
			for _, f := range r.Funcs {
				if f.Origin != fromtree.FromTree && f.Why == "" {
					t.Errorf("%s is %s with no reason", f.Name, f.Origin)
				}
			}
			_, diags := compile.Compile(semantics.BaselineSources(r.Library), cc)
			for _, d := range diags {
				if d.Kind != "config" {
					t.Errorf("the library of %s does not compile cleanly: %s %v %s", tc.version, d.Kind, d.Loc, d.Msg)
				}
			}
		})
	}
}

func why(r *fromtree.Result, name string) string {
	for _, f := range r.Funcs {
		if f.Name == name {
			return f.Why
		}
	}
	return "not on the path"
}

func BenchmarkBuild(b *testing.B) {
	dir := testtree.Dir(b, "6.12")
	cc := semantics.CompileConfig(semantics.Config{})
	for b.Loop() {
		if _, err := fromtree.Build(dirFiles(dir), models.Default(), cc); err != nil {
			b.Fatal(err)
		}
	}
}
