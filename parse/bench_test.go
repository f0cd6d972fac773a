package parse

import (
	"bytes"
	"fmt"
	"testing"
)

// benchMbox builds an mbox of n patches of about size bytes each, every one
// with a commit message, a diffstat and a diff of several hunks.
func benchMbox(n, size int) []byte {
	var b bytes.Buffer
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, "From dev@example.org Mon Mar  2 10:11:12 2026\n")
		fmt.Fprintf(&b, "From: Dev %d <dev%d@example.org>\nDate: Mon, 2 Mar 2026 10:11:12 +0100\n", k%17, k%17)
		fmt.Fprintf(&b, "Subject: [PATCH v2 %d/%d] drivers: part %d: adjust the thing\nMessage-Id: <p%d@example.org>\n", k, n, k, k)
		fmt.Fprintf(&b, "In-Reply-To: <cover@example.org>\nReferences: <cover@example.org>\n\n")
		fmt.Fprintf(&b, "Adjust the thing in part %d, because it was wrong in a way that\nmatters to nobody but this benchmark.\n\nSigned-off-by: Dev <dev@example.org>\n---\n", k)
		hunks := 0
		var diff bytes.Buffer
		fmt.Fprintf(&diff, "diff --git a/drivers/part%d.c b/drivers/part%d.c\nindex 1111111..2222222 100644\n--- a/drivers/part%d.c\n+++ b/drivers/part%d.c\n", k, k, k, k)
		for line := 10; diff.Len() < size; line += 40 {
			fmt.Fprintf(&diff, "@@ -%d,14 +%d,15 @@ static int part_fn_%d(struct device *dev)\n", line, line+hunks, hunks)
			for i := 0; i < 6; i++ {
				fmt.Fprintf(&diff, " \tret = part_step(dev, %d, %d); /* context line of typical length */\n", k, i)
			}
			fmt.Fprintf(&diff, "-\tif (ret)\n+\tif (ret < 0)\n+\t\tdev_err(dev, \"step failed: %%d\\n\", ret);\n")
			for i := 0; i < 7; i++ {
				fmt.Fprintf(&diff, " \tpart_more(dev, %d); /* and more context, as a real hunk carries */\n", i)
			}
			hunks++
		}
		fmt.Fprintf(&b, " drivers/part%d.c | %d +++\n 1 file changed, %d insertions(+), %d deletion(-)\n\n", k, 3*hunks, 2*hunks, hunks)
		b.Write(diff.Bytes())
		b.WriteString("-- \n2.39.5\n\n")
	}
	return b.Bytes()
}

// BenchmarkParseMbox parses a 50 MB mbox of 5,000 patches.
func BenchmarkParseMbox(b *testing.B) {
	data := benchMbox(5000, 10<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := Parse("bench.mbox", bytes.NewReader(data), nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Patches) != 5000 {
			b.Fatalf("%d patches", len(s.Patches))
		}
		for _, p := range s.Patches {
			for _, n := range p.Notices {
				b.Fatalf("patch %d: %+v", p.Index, n)
			}
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "MB/input")
}

func TestBenchInput(t *testing.T) {
	data := benchMbox(3, 2<<10)
	s, err := Parse("bench.mbox", bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Patches) != 3 || len(s.Notices) != 0 {
		t.Fatalf("%d patches, notices %+v", len(s.Patches), s.Notices)
	}
	for _, p := range s.Patches {
		if len(p.Notices) != 0 {
			t.Errorf("patch %d: %+v", p.Index, p.Notices)
		}
	}
}
