package monitor

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

var buttonValue = regexp.MustCompile(`"value":"([A-Z0-9]+:[0-9a-f]+)"`)

// Alerts posted to a real Alertmanager reach the routed channels through
// the webhook, buttons act on Alertmanager, and resolving updates the same
// message.
func TestAlertmanagerEndToEnd(t *testing.T) {
	chat := testkit.NewChat()
	clk := &aheadClock{}
	s := newTestService(t, Config{
		Routes:         []RouteConfig{{Match: `team="db"`, Channel: "CDB"}},
		DefaultChannel: "CDEF",
	}, Deps{Chat: chat, Clock: clk.Now})
	hook := httptest.NewServer(s.Webhook())
	t.Cleanup(hook.Close)
	am := amtest.Start(t, amtest.WebhookURL(hook.URL+"/hooks/alertmanager"), amtest.WebhookBearerToken(testToken))
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	s.d.Alertmanager = client
	runWorker(t, s)
	ctx := context.Background()

	cpu := func(inst string, end time.Time) alertmanager.PostableAlert {
		return alertmanager.PostableAlert{
			Labels:      map[string]string{"alertname": "HighCPU", "team": "db", "severity": "critical", "instance": inst},
			Annotations: map[string]string{"summary": "CPU busy on " + inst, "runbook_url": "https://runbooks.example/cpu"},
			EndsAt:      end,
		}
	}
	disk := alertmanager.PostableAlert{Labels: map[string]string{"alertname": "DiskFull", "team": "web", "instance": "web-1:9100"}}
	if err := client.PostAlerts(ctx, []alertmanager.PostableAlert{cpu("db-1:9100", time.Time{}), cpu("db-2:9100", time.Time{}), disk}); err != nil {
		t.Fatal(err)
	}

	// Given both groups posted to their channels
	var cpuMsg testkit.Post
	testenv.Eventually(t, 20*time.Second, func() bool {
		var db, def bool
		for _, p := range chat.Current() {
			tx := text(p.Msg)
			if p.Channel == "CDB" && strings.Contains(tx, "HighCPU") && strings.Contains(tx, "2 firing") {
				db, cpuMsg = true, p
			}
			def = def || (p.Channel == "CDEF" && strings.Contains(tx, "DiskFull"))
		}
		return db && def
	}, "both groups posted")
	m := buttonValue.FindStringSubmatch(text(cpuMsg.Msg))
	if m == nil {
		t.Fatalf("no button value in %s", text(cpuMsg.Msg))
	}
	id := m[1]

	t.Run("alerts command lists them", func(t *testing.T) {
		rep, err := command(t, s, "alerts", `team="db"`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rep.Text, "*HighCPU* (2)") || strings.Contains(rep.Text, "DiskFull") {
			t.Errorf("alerts reply:\n%s", rep.Text)
		}
	})

	t.Run("silence button creates a silence in Alertmanager", func(t *testing.T) {
		rep, err := click(t, s, "alert.silence.1h", id, "U0ALICE")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.ReplaceOriginal || !strings.Contains(text(bot.Message{Text: rep.Text, Blocks: rep.Blocks}), "Silenced by <@U0ALICE>") {
			t.Errorf("reply does not show the silence: %s", text(bot.Message{Text: rep.Text, Blocks: rep.Blocks}))
		}
		sils, err := client.ListSilences(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var found *alertmanager.Silence
		for i, sl := range sils {
			if sl.CreatedBy == "U0ALICE" && sl.Status.State == alertmanager.SilenceActive {
				found = &sils[i]
			}
		}
		if found == nil {
			t.Fatalf("no active silence by U0ALICE in %+v", sils)
		}
		if got := alertmanager.Matchers(found.Matchers).String(); got != `{alertname="HighCPU"}` {
			t.Errorf("silence matchers %s", got)
		}
		if d := found.EndsAt.Sub(found.StartsAt); d < 59*time.Minute || d > 61*time.Minute {
			t.Errorf("silence lasts %s, want 1h", d)
		}
		// A second click is stale: it shows the current state, no new silence.
		if _, err := click(t, s, "alert.silence.4h", id, "U0BOB"); err != nil {
			t.Fatal(err)
		}
		if after, _ := client.ListSilences(ctx, nil); len(after) != len(sils) {
			t.Errorf("stale click made a silence: %d -> %d", len(sils), len(after))
		}

		rep, err = click(t, s, "alert.unsilence", id, "U0ALICE")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text(bot.Message{Blocks: rep.Blocks}), "Silenced by") {
			t.Errorf("unsilenced message still shows the silence")
		}
		got, err := client.GetSilence(ctx, found.ID)
		if err != nil || got.Status.State != alertmanager.SilenceExpired {
			t.Errorf("silence after unsilence: %+v, %v", got.Status, err)
		}
	})

	t.Run("silence commands", func(t *testing.T) {
		if _, err := command(t, s, "silence", "alertname=DiskFull 8d too long"); bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(err.Error(), "at most 7d") {
			t.Errorf("8d silence: %v", err)
		}
		if _, err := command(t, s, "silence", "alertname==DiskFull 1h bad matcher"); bot.ErrorCode(err) != bot.CodeInvalid {
			t.Errorf("bad matcher: %v", err)
		}
		rep, err := command(t, s, "silence", `{alertname="DiskFull", instance=~"web-.*"} 2h disk cleanup running`)
		if err != nil {
			t.Fatal(err)
		}
		sid := regexp.MustCompile("Silence id `([^`]+)`").FindStringSubmatch(rep.Text)
		if sid == nil {
			t.Fatalf("no id in %q", rep.Text)
		}
		rep, err = command(t, s, "silences", "")
		if err != nil || !strings.Contains(rep.Text, sid[1]) || !strings.Contains(rep.Text, "disk cleanup running") {
			t.Fatalf("silences: %v\n%s", err, rep.Text)
		}
		if _, err := command(t, s, "unsilence", sid[1]); err != nil {
			t.Fatal(err)
		}
		// A silence made by a button and ended by the command leaves the
		// message.
		if _, err := click(t, s, "alert.silence.4h", id, "U0ALICE"); err != nil {
			t.Fatal(err)
		}
		g, err := s.st.load(ctx, id)
		if err != nil || g.Silence == nil {
			t.Fatalf("no silence on the group: %v", err)
		}
		if _, err := command(t, s, "unsilence", g.Silence.ID); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.st.load(ctx, id); g.Silence != nil {
			t.Errorf("group still shows silence %s", g.Silence.ID)
		}
		if _, err := command(t, s, "unsilence", "00000000-0000-0000-0000-000000000000"); bot.ErrorCode(err) != bot.CodeNotFound {
			t.Errorf("unknown silence: %v", err)
		}
	})

	t.Run("a silence expired in Alertmanager leaves the message", func(t *testing.T) {
		if _, err := click(t, s, "alert.silence.1h", id, "U0ALICE"); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 20*time.Second, func() bool {
			return strings.Contains(text(current(chat, cpuMsg.TS)), "Silenced by <@U0ALICE>")
		}, "the message showing the silence")
		g, err := s.st.load(ctx, id)
		if err != nil || g.Silence == nil {
			t.Fatalf("no silence on the group: %v", err)
		}
		// as Alertmanager's UI does
		if err := client.ExpireSilence(ctx, g.Silence.ID); err != nil {
			t.Fatal(err)
		}
		reconcile(t, s)
		testenv.Eventually(t, 20*time.Second, func() bool {
			tx := text(current(chat, cpuMsg.TS))
			return strings.Contains(tx, "No longer silenced") && strings.Contains(tx, `"alert.silence.1h"`)
		}, "the message showing the silence ended")
	})

	t.Run("resolve updates the same message", func(t *testing.T) {
		past := time.Now().Add(-time.Second)
		if err := client.PostAlerts(ctx, []alertmanager.PostableAlert{cpu("db-1:9100", past), cpu("db-2:9100", past)}); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 20*time.Second, func() bool {
			return strings.Contains(text(current(chat, cpuMsg.TS)), "RESOLVED: HighCPU")
		}, "the resolved update")
		if n := len(chat.Posted("CDB")); n != 1 {
			t.Errorf("%d posts to CDB, want 1 (updates only)", n)
		}
		if strings.Contains(text(current(chat, cpuMsg.TS)), "alert.ack") {
			t.Errorf("resolved message still offers Acknowledge")
		}
	})
}

// aheadClock is the wall clock moved ahead by Add, for waits that a
// real Alertmanager must not see (it keeps its own time).
type aheadClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *aheadClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *aheadClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.ahead += d }

// Alertmanager that cannot be reached is named with its URL, without the
// credentials in it.
func TestAlertmanagerUnreachable(t *testing.T) {
	client, err := alertmanager.New("http://opsbot:pw-secret@127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat(), Alertmanager: client})
	for _, verb := range []string{"alerts", "silences"} {
		_, err := command(t, s, verb, "")
		msg := bot.UserMessage(err)
		if bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(msg, "http://127.0.0.1:1") || strings.Contains(msg, "pw-secret") {
			t.Errorf("%s: %q (%v)", verb, msg, err)
		}
	}
}
