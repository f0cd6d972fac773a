package report

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// costText says where a predicted median goes: its largest causes with
// their shares, the rest summed ("IPI delivery 97.8%, firmware calls 0.8%,
// other 1.4%"); empty when the report has no breakdown.
func costText(cs []rules.CostShare) string {
	const shown = 4
	var parts []string
	rest := 0.0
	for i, c := range cs {
		if i < shown {
			parts = append(parts, fmt.Sprintf("%s %s", c.What, percent(c.Share)))
		} else {
			rest += c.Share
		}
	}
	if rest >= 0.0005 {
		parts = append(parts, "other "+percent(rest))
	}
	return strings.Join(parts, ", ")
}

func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", f*100), "0"), ".") + "%"
}
