package monitor

import (
	"context"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/internal/testkit"
)

// A change's hosts are silenced in a real Alertmanager by one matcher that
// takes the host with or without a port, and nothing else.
func TestSilenceHostsAgainstAlertmanager(t *testing.T) {
	am := amtest.Start(t)
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat(), Alertmanager: client})
	ctx := context.Background()
	id, err := s.SilenceHosts(ctx, []string{"web-1", "web.2"}, 30*time.Minute, "CHG-7 restart nginx")
	if err != nil {
		t.Fatal(err)
	}
	sil, err := client.GetSilence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ms := alertmanager.Matchers(sil.Matchers)
	for labels, want := range map[string]bool{"web-1": true, "web-1:9100": true, "web.2:22": true, "web-10": false, "webx2": false} {
		if got := ms.Matches(map[string]string{"instance": labels}); got != want {
			t.Errorf("silence matches instance=%q: %v, want %v", labels, got, want)
		}
	}
}
