package testkit

import (
	"context"
	"errors"
	"testing"
	"time"

	"opsbot/bot"
)

func TestChatRecords(t *testing.T) {
	c := NewChat()
	ctx := context.Background()
	ts1, _ := c.Post(ctx, bot.Message{Channel: "C1", Text: "one"})
	ts2, _ := c.Post(ctx, bot.Message{Channel: "C1", Text: "two"})
	_ = c.Update(ctx, "C1", ts1, bot.Message{Text: "one, updated"})
	_ = c.Upload(ctx, "C1", ts1, bot.File{Name: "out.txt"})
	if ts1 == ts2 {
		t.Fatalf("two posts got one ts %s", ts1)
	}
	if got := len(c.Posted("C1")); got != 2 {
		t.Errorf("Posted(C1) = %d, want 2", got)
	}
	if got := c.Last("C1", ts1).Text; got != "one, updated" {
		t.Errorf("Last = %q", got)
	}
	if got := len(c.All()); got != 4 {
		t.Errorf("All = %d, want 4", got)
	}
	c.Fail = func(method, channel string) error {
		if method == "post" && channel == "CGONE" {
			return errors.New("channel_not_found")
		}
		return nil
	}
	if _, err := c.Post(ctx, bot.Message{Channel: "CGONE"}); err == nil {
		t.Error("Fail did not refuse the post")
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	c.Add(90 * time.Minute)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("Now = %v", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Error("Set did not move the clock")
	}
}
