package fromtree

import (
	"bufio"
	"bytes"
	"strings"
)

// Version reads the kernel version from the tree's top Makefile
// ("VERSION = 6", "PATCHLEVEL = 12", "SUBLEVEL = 118"); "" when the tree has
// no Makefile or it names no version.
func Version(t Files) string {
	text, _, err := t.File("Makefile")
	if err != nil {
		return ""
	}
	v := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 0; sc.Scan() && n < 50; n++ {
		k, val, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch k = strings.TrimSpace(k); k {
		case "VERSION", "PATCHLEVEL", "SUBLEVEL":
			v[k] = strings.TrimSpace(val)
		}
	}
	if v["VERSION"] == "" || v["PATCHLEVEL"] == "" {
		return ""
	}
	s := v["VERSION"] + "." + v["PATCHLEVEL"]
	if v["SUBLEVEL"] != "" && v["SUBLEVEL"] != "0" {
		s += "." + v["SUBLEVEL"]
	}
	return s
}
