package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

// notificationLog records what Alertmanager sent before the webhook
// handles it: the fingerprints each group's notifications listed as
// resolved, so a test can wait for Alertmanager without asking the code
// under test.
type notificationLog struct {
	next http.Handler
	mu   sync.Mutex
	// resolved is per group key the set of fingerprints seen resolved.
	resolved map[string]map[string]bool
}

func (l *notificationLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if m, err := alertmanager.Decode(bytes.NewReader(body), 0); err == nil {
		l.mu.Lock()
		if l.resolved[m.GroupKey] == nil {
			l.resolved[m.GroupKey] = map[string]bool{}
		}
		for _, a := range m.Alerts {
			if !a.Firing() {
				l.resolved[m.GroupKey][a.Fingerprint] = true
			}
		}
		l.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.next.ServeHTTP(w, r)
}

// groupKeys lists the groups Alertmanager notified.
func (l *notificationLog) groupKeys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.resolved))
	for k := range l.resolved {
		keys = append(keys, k)
	}
	return keys
}

// resolvedIn reports whether every group has been notified with at least
// n resolved alerts.
func (l *notificationLog) resolvedIn(groups, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.resolved) < groups {
		return false
	}
	for _, fps := range l.resolved {
		if len(fps) < n {
			return false
		}
	}
	return true
}

// A storm through a real Alertmanager whose alerts resolve in three waves:
// each wave's resolved alerts are in one notification only, yet every
// group ends resolved with all of its alerts counted, on its message and
// in the store.
func TestAlertmanagerStormResolvesInWaves(t *testing.T) {
	const groups, perGroup = 5, 20
	waves := []int{7, 14, perGroup} // alerts resolved per group after each wave
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	log := &notificationLog{next: s.Webhook(), resolved: map[string]map[string]bool{}}
	hook := httptest.NewServer(log)
	t.Cleanup(hook.Close)
	am := amtest.Start(t, amtest.WebhookURL(hook.URL+"/hooks/alertmanager"), amtest.WebhookBearerToken(testToken))
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	runWorker(t, s)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	alert := func(g, i int, end time.Time) alertmanager.PostableAlert {
		return alertmanager.PostableAlert{
			Labels:   map[string]string{"alertname": fmt.Sprintf("Wave%d", g), "instance": fmt.Sprintf("web-%d:9100", i)},
			StartsAt: start, EndsAt: end,
		}
	}
	send := func(from, to int, end time.Time) {
		t.Helper()
		var batch []alertmanager.PostableAlert
		for g := range groups {
			for i := from; i < to; i++ {
				batch = append(batch, alert(g, i, end))
			}
		}
		if err := client.PostAlerts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	send(0, perGroup, time.Time{})
	testenv.Eventually(t, 30*time.Second, func() bool {
		return strings.Count(allText(chat), fmt.Sprintf("· %d firing", perGroup)) == groups
	}, "every group posted firing")
	from := 0
	for _, to := range waves {
		send(from, to, time.Now().Add(-time.Second))
		testenv.Eventually(t, 30*time.Second, func() bool { return log.resolvedIn(groups, to) },
			fmt.Sprintf("Alertmanager to notify %d resolved alerts per group", to))
		from = to
	}
	want := fmt.Sprintf("· %d resolved", perGroup)
	testenv.Eventually(t, 30*time.Second, func() bool {
		return strings.Count(allText(chat), "RESOLVED: Wave") == groups && strings.Count(allText(chat), want) == groups
	}, "every group's message resolved with all its alerts")
	for _, key := range log.groupKeys() {
		got, err := s.st.load(ctx, groupID("C1", key))
		if err != nil {
			t.Fatalf("group %s: %v", key, err)
		}
		if tl := got.tally(); tl.Firing != 0 || tl.Resolved != perGroup || len(got.Msg.Alerts) != perGroup {
			t.Errorf("%s stored %d firing, %d resolved, %d alerts; want 0, %d, %d", key, tl.Firing, tl.Resolved, len(got.Msg.Alerts), perGroup, perGroup)
		}
	}
}

// allText is the current text of every message in the chat.
func allText(c *testkit.Chat) string {
	var b strings.Builder
	for _, m := range c.Current() {
		b.WriteString(text(m.Msg))
	}
	return b.String()
}
