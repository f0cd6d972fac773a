package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The generated cases of the hostile-input corpus: inputs too large to
// commit as fixtures/bad bundles.

// millionHunks is one mail whose diff has n one-line hunks in path.
func millionHunks(path string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `From: Ana Developer <ana@example.org>
Date: Mon, 2 Mar 2026 10:11:12 +0100
Subject: [PATCH] misc: blink: %d hunks
Message-Id: <hunks@example.org>

Many hunks.

Signed-off-by: Ana Developer <ana@example.org>
---
diff --git a/%s b/%s
index 1d3b1a2..8c0e4f1 100644
--- a/%s
+++ b/%s
`, n, path, path, path, path)
	for k := range n {
		l := 3*k + 1
		fmt.Fprintf(&b, "@@ -%d,2 +%d,2 @@\n x\n-a\n+b\n", l, l)
	}
	return b.String()
}

// longSeries is an mbox of n patches numbered k/n, all replies to the
// first. With shutdown, patch k swaps machine_shutdown()'s body between
// the hotplug call and smp_send_stop() (odd k) and back (even k), so every
// prefix changes modelled code; otherwise each patch touches its own
// driver file.
func longSeries(n int, shutdown bool) string {
	var b strings.Builder
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, `From ana@example.org Mon Mar  2 10:11:12 2026
From: Ana Developer <ana@example.org>
Date: Mon, 2 Mar 2026 10:11:12 +0100
Subject: [PATCH %d/%d] misc: step %d
Message-Id: <s%d@example.org>
In-Reply-To: <s1@example.org>

Step %d.

Signed-off-by: Ana Developer <ana@example.org>
---
`, k, n, k, k, k)
		if !shutdown {
			fmt.Fprintf(&b, `diff --git a/drivers/misc/blink%d.c b/drivers/misc/blink%d.c
index 1d3b1a2..8c0e4f1 100644
--- a/drivers/misc/blink%d.c
+++ b/drivers/misc/blink%d.c
@@ -1,2 +1,2 @@
 a
-b
+c

`, k, k, k, k)
			continue
		}
		from, to := "smp_shutdown_nonboot_cpus(reboot_cpu);", "smp_send_stop();"
		if k%2 == 0 {
			from, to = to, from
		}
		fmt.Fprintf(&b, `diff --git a/arch/arm64/kernel/process.c b/arch/arm64/kernel/process.c
index ed919f633ed8..3ec93d0700ba 100644
--- a/arch/arm64/kernel/process.c
+++ b/arch/arm64/kernel/process.c
@@ -147,7 +147,7 @@ void arch_cpu_idle_dead(void)
  */
 void machine_shutdown(void)
 {
-	%s
+	%s
 }
 
 /*

`, from, to)
	}
	return b.String()
}

// manyClaims is the seed patch with a paragraph of n claims added to its
// message, each for its own CPU count from 423 up (about 10 KB for 90).
func manyClaims(n int) string {
	seed, err := os.ReadFile(seedMbox)
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, "On %d CPUs the shutdown takes about .65 seconds before and less than 5 msecs after this patch.\n", 423+k)
	}
	return strings.Replace(string(seed), "\nSigned-off-by:", "\n"+b.String()+"\nSigned-off-by:", 1)
}

// shutdownBody is a mail whose patch replaces machine_shutdown()'s body
// with added, keeping the call it had after them.
func shutdownBody(subject string, added []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `From: Ana Developer <ana@example.org>
Date: Mon, 2 Mar 2026 10:11:12 +0100
Subject: [PATCH] arm64: kexec: %s
Message-Id: <shutdown@example.org>

Test.

Signed-off-by: Ana Developer <ana@example.org>
---
diff --git a/arch/arm64/kernel/process.c b/arch/arm64/kernel/process.c
index ed919f633ed8..3ec93d0700ba 100644
--- a/arch/arm64/kernel/process.c
+++ b/arch/arm64/kernel/process.c
@@ -147,7 +147,%d @@ void arch_cpu_idle_dead(void)
  */
 void machine_shutdown(void)
 {
-	smp_shutdown_nonboot_cpus(reboot_cpu);
`, subject, 7+len(added))
	for _, l := range added {
		b.WriteString("+" + l + "\n")
	}
	b.WriteString("+\tsmp_shutdown_nonboot_cpus(reboot_cpu);\n }\n \n /*\n")
	return b.String()
}

// repeat is n copies of line, or of format filled with the copy's index.
func repeat(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		if strings.Contains(format, "%d") {
			out[i] = fmt.Sprintf(format, i)
		} else {
			out[i] = format
		}
	}
	return out
}

var writeHostile = flag.String("write-hostile", "", "also write the generated inputs of TestHostileGenerated to `DIR`")

// TestHostileGenerated runs the generated hostile inputs through the
// command with a deadline each: an explicit outcome, never a hang.
func TestHostileGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("large generated inputs")
	}
	tests := []struct {
		name    string
		input   func() string
		args    []string
		exit    int
		stdout  string // a line the output must contain
		stderr  string // with exit 2: what the one error line must contain
		timeout time.Duration
		skip    string
	}{
		{
			// Refused by the hunk limit before any stage allocates for them.
			name:    "million-hunks-driver",
			input:   func() string { return millionHunks("drivers/misc/blink.c", 1_000_000) },
			exit:    exitUsage,
			stderr:  "more than 100000 hunks in one patch",
			timeout: 2 * hangGuard,
		},
		{
			// Context lines that match nothing in process.c: every hunk
			// is an unplaced change of a modelled file.
			name:    "million-hunks-modelled-file",
			input:   func() string { return millionHunks("arch/arm64/kernel/process.c", 1_000_000) },
			exit:    exitUsage,
			stderr:  "more than 100000 hunks in one patch",
			timeout: 2 * hangGuard,
		},
		{
			name:    "series-1000-patches-unmodelled",
			input:   func() string { return longSeries(1000, false) },
			exit:    exitInconclusive,
			stdout:  "INCONCLUSIVE: no modelled function changed; nothing was executed",
			timeout: 2 * hangGuard,
		},
		{
			// 10^6 nested parentheses (1,000 a line, under the line
			// limit) overflowed cfront's stack; now refused before the
			// grammar runs, at the first bracket past the bound.
			name: "nested-parens-million",
			input: func() string {
				return shutdownBody("parentheses", append(append([]string{"\tint x ="}, repeat(1000, strings.Repeat("(", 1000))...),
					append(append([]string{"1"}, repeat(1000, strings.Repeat(")", 1000))...), ";")...))
			},
			exit:    exitInconclusive,
			stdout:  "the compiler rejects patch line 151: unsupported: brackets nested more than 512 levels deep",
			timeout: 120 * time.Second,
		},
		{
			// 10^4 nested ifs without braces (7 GB in the compiler
			// before): refused at the first level past the bound.
			name:    "nested-ifs-ten-thousand",
			input:   func() string { return shutdownBody("ifs", repeat(10_000, "\tif (reboot_cpu)")) },
			exit:    exitInconclusive,
			stdout:  "unsupported: nested more than 512 levels deep",
			timeout: 120 * time.Second,
		},
		{
			// An else-if chain is nested ifs too (48 s and 3 GB before).
			name: "else-if-chain-ten-thousand",
			input: func() string {
				return shutdownBody("else if", append([]string{"\tif (reboot_cpu == 0) cpu_relax();"}, repeat(10_000, "\telse if (reboot_cpu == %d) cpu_relax();")...))
			},
			exit:    exitInconclusive,
			stdout:  "unsupported: nested more than 512 levels deep",
			timeout: 120 * time.Second,
		},
		{
			// 100,000 udelay(1) lines: the machine's liveness bitsets
			// (code x registers) ran out of memory; now the compiler
			// refuses the function at its first line.
			name:    "udelay-hundred-thousand",
			input:   func() string { return shutdownBody("udelay", repeat(100_000, "\tudelay(1);")) },
			exit:    exitInconclusive,
			stdout:  "function machine_shutdown compiles to 200004 instructions, more than the limit of 16384",
			timeout: 120 * time.Second,
		},
		{
			// 100,000 locals: an 11 GB allocation in the machine's
			// definite-assignment analysis before.
			name:    "locals-hundred-thousand",
			input:   func() string { return shutdownBody("locals", repeat(100_000, "\tint v%d = 1;")) },
			exit:    exitInconclusive,
			stdout:  "more than the limit of 16384",
			timeout: 120 * time.Second,
		},
		{
			// The message cannot starve the properties: claims past the
			// claim budget are not evaluated, and the race still fails.
			name:    "claims-90-for-423-to-512-cpus",
			input:   func() string { return manyClaims(90) },
			exit:    exitFindings,
			stdout:  "FAIL: violated after the patch: kexec.secondaries-off-at-relocation",
			timeout: 240 * time.Second,
		},
		{
			name:    "series-1000-patches-modelled",
			input:   func() string { return longSeries(1000, true) },
			exit:    exitOK, // the last patch restores the original body
			stdout:  "PASS",
			timeout: 2 * hangGuard, // 34 s: every prefix is compiled (docs/hardening.md)
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "input.mbox")
			input := []byte(tt.input())
			if err := os.WriteFile(path, input, 0o644); err != nil {
				t.Fatal(err)
			}
			if *writeHostile != "" {
				// For measuring the command on them (docs/hardening.md).
				if err := os.WriteFile(filepath.Join(*writeHostile, tt.name+".mbox"), input, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--runs", "5", "-v"}, tt.args...) // -v: the messages checked are in the whole report
			code, stdout, stderr := executeWithin(t, tt.timeout, append(args, path))
			if code != tt.exit {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.exit, stderr)
			}
			if tt.exit == exitUsage {
				if !strings.HasPrefix(stderr, "patchcheck: "+path+":") || !strings.Contains(stderr, tt.stderr) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q: want one line naming the file and line, with %q", stderr, tt.stderr)
				}
				return
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q; tail:\n%s", tt.stdout, tail(stdout, 10))
			}
			if !verdictLine.MatchString(stdout) {
				t.Errorf("no verdict line; tail:\n%s", tail(stdout, 10))
			}
		})
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
