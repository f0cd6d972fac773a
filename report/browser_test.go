package report

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// chromiumPath finds the browser for the browser test: PATCHCHECK_CHROMIUM
// if set, else Debian's /usr/bin/chromium, else a Chromium or Chrome on
// PATH (GitHub's Ubuntu runners ship Chrome, and no Debian chromium
// package). Without a browser the test is skipped, except in CI (CI=true),
// where a missing browser is a failure: .ci/install-chromium is meant to
// have installed it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("PATCHCHECK_CHROMIUM"); path != "" {
		if isExecutable(path) {
			return path
		}
		t.Fatalf("PATCHCHECK_CHROMIUM=%s is not an executable file", path)
	}
	if isExecutable("/usr/bin/chromium") {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "google-chrome", "google-chrome-stable", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no browser (/usr/bin/chromium, or chromium or google-chrome on PATH): CI must install one (.ci/install-chromium) so that the HTML report is tested")
	}
	t.Skip("no browser (/usr/bin/chromium, or chromium or google-chrome on PATH): install Debian's chromium (.ci/install-chromium) or set PATCHCHECK_CHROMIUM to run the browser test of the HTML report")
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// chromium runs headless chromium on a local file with extra arguments and
// returns its standard output and error. Every run gets a fresh profile
// and no network-using background services.
func chromium(t *testing.T, bin, page string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0",
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.Bytes())
	}
	return out.Bytes(), errb.Bytes()
}

// consoleLines picks the page's console messages out of chromium's log:
// uncaught exceptions and console.* calls both show up as CONSOLE lines.
func consoleLines(stderr []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(stderr), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			lines = append(lines, l)
		}
	}
	return lines
}

// pageCheck loads a page twice, once for its DOM after scripts ran and
// once for a screenshot, and reports what is wrong with it.
type pageCheck struct {
	dom     string
	console []string
	shot    image.Image
	png     []byte
}

func loadPage(t *testing.T, bin, page string) pageCheck {
	t.Helper()
	dom, stderr1 := chromium(t, bin, page, "--dump-dom")
	shotPath := filepath.Join(t.TempDir(), "shot.png")
	_, stderr2 := chromium(t, bin, page, "--screenshot="+shotPath, "--window-size=1100,1150")
	data, err := os.ReadFile(shotPath)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr2)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return pageCheck{dom: string(dom), console: append(consoleLines(stderr1), consoleLines(stderr2)...), shot: img, png: data}
}

// colourShare is the share of pixels within tol of c.
func colourShare(img image.Image, c color.RGBA, tol int) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-int(c.R)) <= tol && abs(int(g>>8)-int(c.G)) <= tol && abs(int(bl>>8)-int(c.B)) <= tol {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// problems lists what makes a loaded page fail: script errors, a page that
// did not finish its script, or a blank screenshot.
func (p pageCheck) problems() []string {
	var out []string
	for _, l := range p.console {
		out = append(out, "console: "+l)
	}
	if !strings.Contains(p.dom, `data-ready="1"`) {
		out = append(out, "the page's script did not run to its end")
	}
	if i := strings.Index(p.dom, `id="js-errors"`); i >= 0 && !strings.Contains(p.dom[i:], `id="js-errors" hidden=""></pre>`) {
		out = append(out, "the page reported script errors")
	}
	if white := colourShare(p.shot, color.RGBA{255, 255, 255, 255}, 2); white > 0.97 {
		out = append(out, "the screenshot is blank")
	}
	return out
}

func TestHTMLInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, render(t, "html", loadReport(t, "seed-report.json"), Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	p := loadPage(t, bin, page)
	for _, problem := range p.problems() {
		t.Error(problem)
	}
	// The pictures really are drawn: the timeline's "running" green and
	// "in firmware" purple, and the plot's AFTER band, cover parts of the
	// first screen.
	for _, c := range []struct {
		name string
		rgb  color.RGBA
		min  float64
	}{
		{"running", color.RGBA{0x59, 0xa1, 0x4f, 255}, 0.01},
		// BEFORE and AFTER share a time axis: the short AFTER run's
		// firmware and relocation are thin, BEFORE's still show.
		{"in firmware", color.RGBA{0xb0, 0x7a, 0xa1, 255}, 0.0004},
		{"relocating", color.RGBA{0x4e, 0x79, 0xa7, 255}, 0.001},
	} {
		if got := colourShare(p.shot, c.rgb, 6); got < c.min {
			t.Errorf("the %s colour covers %.4f of the screenshot, want at least %.3f: is the timeline drawn?", c.name, got, c.min)
		}
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "docs", "img", "html-report.png"), p.png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHTMLFeaturesInBrowser loads a page with every scenario, a metric no
// run reached and a long trace step in the browser, and checks the DOM
// after the script ran: a menu entry per scenario with the first shown,
// the never-reached points drawn, the step's whole text, and one folding
// section per property with the violated ones open.
func TestHTMLFeaturesInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	r := featureReport(t)
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, render(t, "html", r, Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	p := loadPage(t, bin, page)
	for _, problem := range p.problems() {
		t.Error(problem)
	}
	scenarios := timelineScenarios(r, 0)
	if got := strings.Count(p.dom, "<option "); got != len(scenarios) || got < 2 {
		t.Errorf("%d menu entries, want one per scenario (%d)", got, len(scenarios))
	}
	if got := strings.Count(p.dom, `class="scenario" data-index=`); got != len(scenarios) {
		t.Errorf("%d scenario sections, want %d", got, len(scenarios))
	}
	for _, s := range scenarios {
		if !strings.Contains(p.dom, ">"+s.Label+"</option>") {
			t.Errorf("no menu entry %q", s.Label)
		}
	}
	if !strings.Contains(p.dom, ">kdump: ") || !strings.Contains(p.dom, ">panic-stuck-nmi: ") {
		t.Error("the menu has no timeline of another entry than kexec")
	}
	if !strings.Contains(p.dom, `class="never v-after"`) || !strings.Contains(p.dom, "never, in all 200 runs") {
		t.Error("the runs that never reached secondaries_off are not drawn")
	}
	if !strings.Contains(p.dom, longStepTail) || strings.Contains(p.dom, "…") {
		t.Error("a step's text is cut")
	}
	groups := htmlGroups(r.Properties)
	if got := strings.Count(p.dom, `<details class="property"`); got != len(groups) {
		t.Errorf("%d property sections, want %d", got, len(groups))
	}
	if got, want := strings.Count(p.dom, `<details class="property" open=""`), openGroups(groups); got != want || want == 0 {
		t.Errorf("%d property sections open, want %d", got, want)
	}
}

// TestBrowserCheckCatchesBrokenPages makes sure the checks above can fail:
// a blank page with a script error must be reported on both counts.
func TestBrowserCheckCatchesBrokenPages(t *testing.T) {
	bin := chromiumPath(t)
	page := filepath.Join(t.TempDir(), "broken.html")
	broken := `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="js-errors" hidden></pre><script>undefinedFunction();</script></body></html>`
	if err := os.WriteFile(page, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(loadPage(t, bin, page).problems(), "\n")
	for _, want := range []string{"console:", "did not run to its end", "blank"} {
		if !strings.Contains(problems, want) {
			t.Errorf("broken page: no %q among the problems found:\n%s", want, problems)
		}
	}
}

// scriptPayloads would each mark the page if the browser ran them: markup
// that starts a script, an event handler, an SVG onload, a script end tag
// that would break out of an inline script, a javascript: URL.
var scriptPayloads = []string{
	`<script>document.documentElement.setAttribute('data-pwned','script')</script>`,
	`<img src=x onerror="document.documentElement.setAttribute('data-pwned','img')">`,
	`"><svg onload="document.documentElement.setAttribute('data-pwned','svg')">`,
	`'></style></script><script>document.documentElement.setAttribute('data-pwned','breakout')</script>`,
	`javascript:document.documentElement.setAttribute('data-pwned','url')`,
	"\x1b]0;pwned\x07\r{{.}}${x}</title><title>pwned",
}

// TestHTMLHostileInBrowser renders the sample with every string of it
// made hostile (each payload appended to every field) and loads the page
// in headless chromium: the page's own script must run to its end, and
// none of the payloads may: no element the patch text wrote, no mark set
// by its script.
func TestHTMLHostileInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	r := loadReport(t, "seed-report.json")
	appendEverywhere(reflect.ValueOf(r).Elem(), strings.Join(scriptPayloads, " "))
	page := filepath.Join(t.TempDir(), "hostile.html")
	if err := os.WriteFile(page, render(t, "html", r, Options{TargetURL: "javascript:document.documentElement.setAttribute('data-pwned','target')"}), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, stderr := chromium(t, bin, page, "--dump-dom")
	d := string(dom)
	if !strings.Contains(d, `data-ready="1"`) {
		t.Errorf("the page's script did not run to its end; console:\n%s", strings.Join(consoleLines(stderr), "\n"))
	}
	if strings.Contains(d, `data-pwned=`) {
		t.Error("a script from the report ran: the page has a data-pwned attribute")
	}
	for _, tag := range []string{"<img", "<svg onload", "<title>pwned", `href="javascript:`} {
		if strings.Contains(d, tag) {
			t.Errorf("the page has %q from the report", tag)
		}
	}
	if n := strings.Count(d, "<script"); n != 1 {
		t.Errorf("the page has %d script elements, want its own one", n)
	}
}

// TestHTMLHostileCheckCanFail makes sure the check above sees a payload
// that does run.
func TestHTMLHostileCheckCanFail(t *testing.T) {
	bin := chromiumPath(t)
	page := filepath.Join(t.TempDir(), "pwned.html")
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><html><body>`+scriptPayloads[1]+`</body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := chromium(t, bin, page, "--dump-dom")
	if !strings.Contains(string(dom), `data-pwned="img"`) {
		t.Errorf("an event handler that ran is not seen:\n%s", dom)
	}
}
