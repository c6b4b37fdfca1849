package monitor

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"opsbot/bot"
	"opsbot/commands/incident"
	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// incidents is a fake Incidents that counts what it opens.
type incidents struct {
	n    atomic.Int32
	last atomic.Value // the last call's arguments, joined by |
}

func (f *incidents) OpenFromAlert(_ context.Context, a incident.FromAlert) (string, error) {
	n := f.n.Add(1)
	f.last.Store(strings.Join([]string{a.Title, a.Severity, a.User, a.Link, a.Channel}, "|"))
	return fmt.Sprintf("INC-%d", n), nil
}

type owners map[string]string

func (o owners) Owner(h string) (string, bool) { v, ok := o[h]; return v, ok }

func TestButtons(t *testing.T) {
	chat, inc := testkit.NewChat(), &incidents{}
	s := newTestService(t, Config{DefaultChannel: "CDEF"}, Deps{Chat: chat, Incidents: inc, Hosts: owners{"web-0": "U0OWNER"}, OnCall: OnCallFunc(func(_ context.Context, host string) (string, error) {
		if host != "web-0" {
			t.Errorf("on call asked for %q, want the owned host web-0", host)
		}
		return "U0ONCALL", nil
	})})
	m := payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "HighCPU", "severity": "critical"}, 2, t0)
	if code := post(t, s.Webhook(), m); code != 200 {
		t.Fatal(code)
	}
	if err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := groupID("CDEF", "g1")
	first := text(chat.Posts()[0].Msg)
	if !strings.Contains(first, "Host web-0 · owner <@U0OWNER> · on call <@U0ONCALL>") || strings.Contains(first, "Host web-1 · owner") {
		t.Errorf("owner and on-call not shown for the known host only:\n%s", first)
	}

	t.Run("acknowledge shows who, once", func(t *testing.T) {
		rep, err := click(t, s, "alert.ack", id, "U0ALICE")
		if err != nil {
			t.Fatal(err)
		}
		got := text(bot.Message{Blocks: rep.Blocks})
		if !rep.ReplaceOriginal || !strings.Contains(got, "Acknowledged by <@U0ALICE>") || strings.Contains(got, `"alert.ack"`) {
			t.Errorf("ack reply:\n%s", got)
		}
		rep, _ = click(t, s, "alert.ack", id, "U0BOB")
		if got := text(bot.Message{Blocks: rep.Blocks}); !strings.Contains(got, "Acknowledged by <@U0ALICE>") {
			t.Errorf("stale ack does not show the first acknowledger:\n%s", got)
		}
	})

	t.Run("incident opens once under concurrent clicks", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := click(t, s, "alert.incident", id, "U0ALICE"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := inc.n.Load(); n != 1 {
			t.Fatalf("OpenFromAlert called %d times, want 1", n)
		}
		want := `HighCPU: something is wrong|critical|U0ALICE|http://alertmanager.example:9093/#/alerts?filter=%7Balertname%3D%22HighCPU%22%7D|CDEF`
		if got := inc.last.Load(); got != want {
			t.Errorf("OpenFromAlert(%v), want %v", got, want)
		}
		rep, _ := click(t, s, "alert.incident", id, "U0BOB")
		if got := text(bot.Message{Blocks: rep.Blocks}); !strings.Contains(got, "Incident INC-1 opened") || strings.Contains(got, `"alert.incident"`) {
			t.Errorf("incident not shown:\n%s", got)
		}
	})

	t.Run("the worker brings the posted message up to date", func(t *testing.T) {
		if err := s.Deliver(context.Background()); err != nil {
			t.Fatal(err)
		}
		cur := text(current(chat, chat.Posts()[0].TS))
		if !strings.Contains(cur, "Acknowledged by <@U0ALICE>") || !strings.Contains(cur, "Incident INC-1") {
			t.Errorf("message not updated:\n%s", cur)
		}
		if n := len(chat.Posts()); n != 1 {
			t.Errorf("%d posts, want 1", n)
		}
	})

	t.Run("unknown group", func(t *testing.T) {
		if _, err := click(t, s, "alert.ack", "CDEF:0000", "U0ALICE"); bot.ErrorCode(err) != bot.CodeNotFound {
			t.Errorf("err = %v", err)
		}
	})
}
