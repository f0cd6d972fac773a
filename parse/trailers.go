package parse

import "strings"

// SignoffChain returns the Signed-off-by values of the patch itself, in
// order: the author first, then each person who handled the patch.
// Trailers harvested from replies are not part of the chain.
func (p *Patch) SignoffChain() []string {
	var out []string
	for _, t := range p.Trailers {
		if t.Key == "Signed-off-by" && t.Source == "patch" {
			out = append(out, t.Value)
		}
	}
	return out
}

// AuthorSignedOff reports whether the patch's author appears in its
// Signed-off-by chain, compared by address when both have one and by name
// otherwise (archive text often shows the name only).
func (p *Patch) AuthorSignedOff() bool {
	an, aa := splitAddress(p.Author)
	for _, s := range p.SignoffChain() {
		sn, sa := splitAddress(s)
		if aa != "" && sa != "" {
			if strings.EqualFold(aa, sa) {
				return true
			}
			continue
		}
		if an != "" && strings.EqualFold(an, sn) {
			return true
		}
	}
	return false
}

// splitAddress splits "Name <addr>" into its name and address.
func splitAddress(s string) (name, addr string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return strings.TrimSpace(s[:i]), s[i+1 : len(s)-1]
	}
	if strings.Contains(s, "@") && !strings.Contains(s, " ") {
		return "", s
	}
	return s, ""
}
