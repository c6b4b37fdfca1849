package change

import (
	"fmt"
	"strings"
	"testing"

	"opsbot/commands/actions"
)

// TestPlanTextCountsHosts: past the hosts listed, the plan says how many
// more, in the singular for one.
func TestPlanTextCountsHosts(t *testing.T) {
	for extra, want := range map[int]string{1: "…and 1 more host, same command", 2: "…and 2 more hosts, same command"} {
		c := &Change{Argv: []string{"systemctl", "restart", "nginx"}}
		for i := range maxPlanHosts + extra {
			c.Hosts = append(c.Hosts, actions.Host{Name: fmt.Sprintf("web-%d", i+1), Env: "prod"})
		}
		if got := c.planText(); !strings.HasSuffix(got, want) {
			t.Errorf("%d more: plan ends %q, want %q", extra, got[strings.LastIndex(got, "\n")+1:], want)
		}
	}
}
