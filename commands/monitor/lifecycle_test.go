package monitor

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/golden"
	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// fakeAM keeps silences in memory, as Alertmanager's API shows them.
type fakeAM struct {
	mu       sync.Mutex
	silences []alertmanager.Silence
	lists    int // ListSilences calls
}

func (f *fakeAM) CreateSilence(_ context.Context, s alertmanager.Silence) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s.ID = fmt.Sprintf("sil-%d", len(f.silences)+1)
	s.Status.State = alertmanager.SilenceActive
	f.silences = append(f.silences, s)
	return s.ID, nil
}

func (f *fakeAM) ExpireSilence(_ context.Context, id string) error {
	return f.expire(id, time.Time{})
}

// expire ends a silence at end, as Alertmanager's UI does.
func (f *fakeAM) expire(id string, end time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.silences {
		if f.silences[i].ID == id {
			f.silences[i].Status.State = alertmanager.SilenceExpired
			if !end.IsZero() {
				f.silences[i].EndsAt = end
			}
			return nil
		}
	}
	return alertmanager.ErrNotFound
}

func (f *fakeAM) ListSilences(context.Context, []alertmanager.Matcher) ([]alertmanager.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	return append([]alertmanager.Silence(nil), f.silences...), nil
}

func (f *fakeAM) ListAlerts(context.Context, alertmanager.AlertFilter) ([]alertmanager.GettableAlert, error) {
	return nil, nil
}

func (f *fakeAM) URL() string { return "http://alertmanager.test" }

// latestText is the current content of the message with ts.
func latestText(c *testkit.Chat, ts string) string { return text(current(c, ts)) }

// A silence that ends by itself, or is expired in Alertmanager, leaves the
// message: the worker redraws it as no longer silenced, with the Silence
// buttons back.
//
// To update: go test ./commands/monitor -run TestSilenceEnds -update
func TestSilenceEnds(t *testing.T) {
	chat, am, clk := testkit.NewChat(), &fakeAM{}, testkit.NewClock(t0)
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat, Alertmanager: am, Clock: clk.Now})
	ctx := context.Background()
	deliver := func() {
		t.Helper()
		if err := s.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "HighCPU", "severity": "warning"}, 1, t0))
	post(t, s.Webhook(), payload("g2", alertmanager.StatusFiring, map[string]string{"alertname": "DiskFull", "severity": "warning"}, 1, t0))
	deliver()
	ts := map[string]string{}
	for _, p := range chat.Posts() {
		ts[strings.Fields(p.Msg.Text)[1]] = p.TS
	}
	g1, g2 := groupID("C1", "g1"), groupID("C1", "g2")
	if _, err := click(t, s, "alert.silence.1h", g1, "U0ALICE"); err != nil {
		t.Fatal(err)
	}
	if _, err := click(t, s, "alert.silence.4h", g2, "U0BOB"); err != nil {
		t.Fatal(err)
	}
	deliver()
	if got := latestText(chat, ts["HighCPU"]); !strings.Contains(got, "Silenced by <@U0ALICE> until "+blocks.Date(t0.Add(time.Hour), nil)) || !strings.Contains(got, "alert.unsilence") {
		t.Fatalf("silence not shown:\n%s", got)
	}

	t.Run("nothing changes before the end", func(t *testing.T) {
		before := len(chat.Updates())
		clk.Add(59 * time.Minute)
		deliver()
		if n := len(chat.Updates()); n != before {
			t.Errorf("%d updates before the silence ended", n-before)
		}
	})
	t.Run("the message is redrawn when the silence ends", func(t *testing.T) {
		clk.Add(time.Minute)
		deliver()
		got := latestText(chat, ts["HighCPU"])
		if strings.Contains(got, "Silenced by") || strings.Contains(got, "alert.unsilence") || !strings.Contains(got, "alert.silence.1h") {
			t.Errorf("ended silence still shown:\n%s", got)
		}
		golden.AssertJSON(t, "TestSilenceEnds/ended.json", current(chat, ts["HighCPU"]))
		if got := latestText(chat, ts["DiskFull"]); !strings.Contains(got, "Silenced by <@U0BOB>") {
			t.Errorf("the 4h silence is no longer shown:\n%s", got)
		}
	})
	t.Run("a silence expired in Alertmanager is noticed", func(t *testing.T) {
		g, err := s.st.load(ctx, g2)
		if err != nil || g.Silence == nil {
			t.Fatalf("group 2 has no silence: %v", err)
		}
		if err := am.expire(g.Silence.ID, clk.Now()); err != nil {
			t.Fatal(err)
		}
		lists := am.lists
		reconcile(t, s)
		deliver()
		if am.lists != lists+1 {
			t.Errorf("Alertmanager asked %d times, want once", am.lists-lists)
		}
		got := latestText(chat, ts["DiskFull"])
		if !strings.Contains(got, "No longer silenced: the silence by <@U0BOB> ended "+blocks.Date(t0.Add(time.Hour), nil)) || !strings.Contains(got, "alert.silence.4h") {
			t.Errorf("silence expired in Alertmanager still shown:\n%s", got)
		}
		// Nothing is tracked any more: no further questions to Alertmanager.
		reconcile(t, s)
		deliver()
		if am.lists != lists+1 {
			t.Errorf("Alertmanager asked again with no silence to check")
		}
	})
}

// A group that resolved and fires again starts over: a new message with
// every button, no acknowledgement or incident from before, and a new
// incident may be opened.
func TestFiresAgainAfterResolve(t *testing.T) {
	chat, inc := testkit.NewChat(), &incidents{}
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat, Incidents: inc})
	ctx := context.Background()
	deliver := func() {
		t.Helper()
		if err := s.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	labels := map[string]string{"alertname": "HighCPU", "severity": "critical"}
	id := groupID("C1", "g1")
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, labels, 1, t0))
	deliver()
	if _, err := click(t, s, "alert.ack", id, "U0ALICE"); err != nil {
		t.Fatal(err)
	}
	if _, err := click(t, s, "alert.incident", id, "U0ALICE"); err != nil {
		t.Fatal(err)
	}
	post(t, s.Webhook(), payload("g1", alertmanager.StatusResolved, labels, 1, t0))
	deliver()
	first := chat.Posts()[0].TS
	if got := latestText(chat, first); !strings.Contains(got, "RESOLVED: HighCPU") {
		t.Fatalf("not resolved:\n%s", got)
	}

	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, labels, 1, t0.Add(time.Hour)))
	deliver()
	posts := chat.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want a new message for the group that fired again", len(posts))
	}
	again := latestText(chat, posts[1].TS)
	for _, want := range []string{"FIRING: HighCPU", `"alert.ack"`, `"alert.incident"`, `"alert.silence.1h"`, "previously incident INC-1"} {
		if !strings.Contains(again, want) {
			t.Errorf("new message lacks %s:\n%s", want, again)
		}
	}
	if strings.Contains(again, "Acknowledged by") || strings.Contains(again, "Incident INC-1 opened") {
		t.Errorf("new message carries the old state:\n%s", again)
	}
	if got := latestText(chat, first); !strings.Contains(got, "RESOLVED: HighCPU") {
		t.Errorf("the old message was changed:\n%s", got)
	}
	rep, err := click(t, s, "alert.incident", id, "U0BOB")
	if err != nil {
		t.Fatal(err)
	}
	if got := text(bot.Message{Blocks: rep.Blocks}); !strings.Contains(got, "Incident INC-2 opened") || inc.n.Load() != 2 {
		t.Errorf("no new incident (%d opened):\n%s", inc.n.Load(), got)
	}

	t.Run("a resolve not yet shown goes on in the same message", func(t *testing.T) {
		post(t, s.Webhook(), payload("g1", alertmanager.StatusResolved, labels, 1, t0))
		post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, labels, 2, t0))
		deliver()
		if n := len(chat.Posts()); n != 2 {
			t.Errorf("%d posts, want 2", n)
		}
		if got := latestText(chat, posts[1].TS); !strings.Contains(got, "2 firing") || !strings.Contains(got, "Incident INC-2") {
			t.Errorf("message not continued:\n%s", got)
		}
	})
}

// A message someone deleted in Slack is posted again instead of failing
// every round.
func TestDeletedMessageIsPostedAgain(t *testing.T) {
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	ctx := context.Background()
	labels := map[string]string{"alertname": "HighCPU"}
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, labels, 1, t0))
	if err := s.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	first := chat.Posts()[0]
	chat.Delete(first.Channel, first.TS)
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, labels, 2, t0))
	if err := s.Deliver(ctx); err != nil {
		t.Fatalf("delivery after the message was deleted: %v", err)
	}
	posts := chat.Posts()
	if len(posts) != 2 || !strings.Contains(text(posts[1].Msg), "2 firing") {
		t.Fatalf("not posted again: %d posts", len(posts))
	}
	post(t, s.Webhook(), payload("g1", alertmanager.StatusResolved, labels, 2, t0))
	if err := s.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Posts()); n != 2 || !strings.Contains(latestText(chat, posts[1].TS), "RESOLVED") {
		t.Errorf("the new message was not updated (%d posts)", n)
	}
}

// Silence buttons longer than monitor.max_silence are not offered, and a
// click on one drawn before the limit was lowered is refused.
func TestSilenceButtonsRespectMaxSilence(t *testing.T) {
	chat, am := testkit.NewChat(), &fakeAM{}
	s := newTestService(t, Config{DefaultChannel: "C1", MaxSilence: Duration(4 * time.Hour)}, Deps{Chat: chat, Alertmanager: am})
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "HighCPU"}, 1, t0))
	if err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := text(chat.Posts()[0].Msg)
	if !strings.Contains(got, `"alert.silence.1h"`) || !strings.Contains(got, `"alert.silence.4h"`) || strings.Contains(got, `"alert.silence.24h"`) {
		t.Errorf("buttons do not follow max_silence 4h:\n%s", got)
	}
	_, err := click(t, s, "alert.silence.24h", groupID("C1", "g1"), "U0ALICE")
	if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), "at most 4h") {
		t.Errorf("24h click: %v", err)
	}
	if len(am.silences) != 0 {
		t.Errorf("a silence was created: %+v", am.silences)
	}
	if _, err := click(t, s, "alert.silence.4h", groupID("C1", "g1"), "U0ALICE"); err != nil || len(am.silences) != 1 {
		t.Errorf("4h click: %v, %d silences", err, len(am.silences))
	}
}

// reconcile runs the silence-reconcile job once, as the scheduler would.
func reconcile(t *testing.T, s *Service) {
	t.Helper()
	jobs := s.Jobs()
	if len(jobs) != 1 || jobs[0].Name != ReconcileJob || jobs[0].Schedule != "@every 1m" {
		t.Fatalf("jobs = %+v", jobs)
	}
	if err := jobs[0].Run(context.Background(), bot.JobRun{}); err != nil {
		t.Fatal(err)
	}
}
