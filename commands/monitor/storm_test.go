package monitor

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

// A storm of 5,000 alerts in 50 groups over two channels whose chat takes
// one post per second: the first groups get their own message, the rest
// are folded into one digest per channel, every alert is represented, and
// once all resolve every message says so.
//
// Figures: go test ./commands/monitor -run TestStorm -v
func TestStorm(t *testing.T) {
	const groups, perGroup, budget = 50, 100, 5
	chat := newPacedChat(time.Second)
	clock := func() time.Time { return t0 } // one posting-budget minute
	s := newTestService(t, Config{
		Routes: []RouteConfig{{Match: `team="a"`, Channel: "CA"}, {Match: `team="b"`, Channel: "CB"}},
		Storm:  StormConfig{MaxNewGroupsPerMinute: budget},
	}, Deps{Chat: chat, Backlog: chat, Clock: clock})
	runWorker(t, s)

	name := func(i int) string { return fmt.Sprintf("Storm%02d", i) }
	msg := func(i int, status string) alertmanager.Message {
		team := "a"
		if i%2 == 1 {
			team = "b"
		}
		return payload("storm-"+name(i), status, map[string]string{"alertname": name(i), "team": team}, perGroup, t0)
	}
	start := time.Now()
	for i := range groups {
		if code := post(t, s.Webhook(), msg(i, alertmanager.StatusFiring)); code != 200 {
			t.Fatalf("webhook %d: %d", i, code)
		}
	}
	// represented reports whether every group shows all its alerts in
	// state want, in its own message or in its channel's digest.
	represented := func(want string) bool {
		var all strings.Builder
		for _, m := range chat.Current() {
			all.WriteString(text(m.Msg))
		}
		s := all.String()
		for i := range groups {
			own := want == "firing" && strings.Contains(s, "FIRING: "+name(i)+"* · 100 firing") ||
				want == "resolved" && strings.Contains(s, "RESOLVED: "+name(i)+"*")
			digest := strings.Contains(s, fmt.Sprintf("*%s* — 100 %s", name(i), want))
			if !own && !digest {
				return false
			}
		}
		return true
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return represented("firing") }, "every firing alert represented")
	firingDone := time.Since(start)
	for i := range groups {
		if code := post(t, s.Webhook(), msg(i, alertmanager.StatusResolved)); code != 200 {
			t.Fatalf("resolve webhook %d: %d", i, code)
		}
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return represented("resolved") }, "every alert resolved")
	total := time.Since(start)

	perChannel := map[string]int{}
	slots := map[string][]time.Time{}
	for _, p := range chat.Posts() {
		perChannel[p.Channel]++
	}
	for _, ch := range []string{"CA", "CB"} {
		slots[ch] = chat.slotsOf(ch)
	}
	// Posting rate per channel, from the times the paced chat let each post
	// through: at most one post in any second, and the monitor never posts
	// to a channel twice at once (which a chat pacing by queueing would
	// hide in these times, but not in Slack's rate limit).
	var rates []string
	for _, ch := range []string{"CA", "CB"} {
		ts := slots[ch]
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		most := 0
		for i := range ts {
			n := sort.Search(len(ts), func(j int) bool { return !ts[j].Before(ts[i].Add(time.Second)) }) - i
			most = max(most, n)
		}
		span := ts[len(ts)-1].Sub(ts[0])
		sustained := float64(len(ts)-1) / span.Seconds()
		if most > 1 || sustained > 1 {
			t.Errorf("%s: %d posts in one second, %.2f posts/s sustained; want at most 1", ch, most, sustained)
		}
		if n := chat.mostAtOnce(ch); n > 1 {
			t.Errorf("%s: %d posts at once", ch, n)
		}
		rates = append(rates, fmt.Sprintf("%s %.2f posts/s (%d posts over %v)", ch, sustained, len(ts), span))
	}
	for _, ch := range []string{"CA", "CB"} {
		// budget groups of their own plus one digest
		if perChannel[ch] != budget+1 {
			t.Errorf("%d posts to %s, want %d", perChannel[ch], ch, budget+1)
		}
	}
	digests := 0
	for _, m := range chat.Current() {
		if strings.Contains(m.Msg.Text, "[STORM] 20 alert groups: 0 firing, 2000 resolved") {
			digests++
		}
	}
	if digests != 2 {
		t.Errorf("%d final digests reading 20 groups, 2000 resolved; want 2", digests)
	}
	t.Logf("storm: %d alerts in %d groups; %d posts (%v per channel), %d updates; sustained %s; all firing shown after %v, all resolved after %v",
		groups*perGroup, groups, len(chat.Posts()), perChannel, len(chat.Updates()), strings.Join(rates, ", "), firingDone.Round(time.Millisecond), total.Round(time.Millisecond))
}

// pacedChat lets one post per pace per channel through, making later
// ones wait as the outbox does for Slack, and reports that wait as
// Backlog. It notes when it let each post through (its slot) and how
// many posts to a channel were under way at once.
type pacedChat struct {
	*testkit.Chat
	pace time.Duration

	mu                    sync.Mutex
	next                  map[string]time.Time
	slots                 map[string][]time.Time
	inFlight, maxInFlight map[string]int
}

func newPacedChat(pace time.Duration) *pacedChat {
	return &pacedChat{Chat: testkit.NewChat(), pace: pace, next: map[string]time.Time{}, slots: map[string][]time.Time{},
		inFlight: map[string]int{}, maxInFlight: map[string]int{}}
}

func (c *pacedChat) Post(ctx context.Context, m bot.Message) (string, error) {
	c.mu.Lock()
	c.inFlight[m.Channel]++
	c.maxInFlight[m.Channel] = max(c.maxInFlight[m.Channel], c.inFlight[m.Channel])
	now := time.Now()
	slot := c.next[m.Channel]
	if slot.Before(now) {
		slot = now
	}
	c.next[m.Channel] = slot.Add(c.pace)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight[m.Channel]--
		c.mu.Unlock()
	}()
	t := time.NewTimer(time.Until(slot))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
	}
	ts, err := c.Chat.Post(ctx, m)
	if err == nil {
		c.mu.Lock()
		c.slots[m.Channel] = append(c.slots[m.Channel], slot)
		c.mu.Unlock()
	}
	return ts, err
}

// Backlog is how long a new post to channel would wait.
func (c *pacedChat) Backlog(channel string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(time.Until(c.next[channel]), 0)
}

// slotsOf lists when the posts to channel were let through.
func (c *pacedChat) slotsOf(channel string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.slots[channel]...)
}

// mostAtOnce is the largest number of posts to channel that were under
// way at the same time.
func (c *pacedChat) mostAtOnce(channel string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxInFlight[channel]
}

// A restarted worker (a fresh Service on the same Redis) delivers what the
// old one stored but never posted, and updates what it posted.
func TestRedeliveryAfterRestart(t *testing.T) {
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 1, t0))
	if err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	post(t, s.Webhook(), payload("g1", alertmanager.StatusResolved, map[string]string{"alertname": "A"}, 1, t0))
	post(t, s.Webhook(), payload("g2", alertmanager.StatusFiring, map[string]string{"alertname": "B"}, 1, t0))
	// "restart": the old service never delivers again
	fresh, err := New(s.cfg, Deps{Store: s.d.Store, Chat: chat})
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Posts()); n != 2 {
		t.Fatalf("%d posts, want 2", n)
	}
	if got := text(current(chat, chat.Posts()[0].TS)); !strings.Contains(got, "RESOLVED: A") {
		t.Errorf("first message not updated to resolved:\n%s", got)
	}
}
