package monitor

import (
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

// The commands and buttons register on a router without clashes, with
// viewer for reading and responder for changing.
func TestRegister(t *testing.T) {
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat()})
	r := bot.NewRouter("/ops")
	if err := r.Register(s.Commands()...); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterAction(s.Actions()...); err != nil {
		t.Fatal(err)
	}
	want := map[string]bot.Role{
		"alerts": bot.RoleViewer, "silences": bot.RoleViewer, "query": bot.RoleViewer, "graph": bot.RoleViewer, "status": bot.RoleViewer,
		"silence": bot.RoleResponder, "unsilence": bot.RoleResponder,
	}
	for verb, role := range want {
		c, ok := r.Lookup(verb)
		if !ok || c.Role != role {
			t.Errorf("%s: registered %v with role %v, want %v", verb, ok, c.Role, role)
		}
	}
	for _, a := range s.Actions() {
		if a.ID != actionRunbook && a.Role != bot.RoleResponder {
			t.Errorf("%s: role %v, want responder", a.ID, a.Role)
		}
	}
}

// Without Prometheus or Alertmanager configured their commands say so.
func TestUnconfiguredBackends(t *testing.T) {
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat()})
	for _, c := range [][2]string{{"query", "up"}, {"graph", "up"}, {"status", ""}, {"alerts", ""}, {"silences", ""}, {"unsilence", "x"}, {"silence", "a=b 1h x"}} {
		_, err := command(t, s, c[0], c[1])
		if bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(err.Error(), "not configured") {
			t.Errorf("%s: %v", c[0], err)
		}
	}
}
