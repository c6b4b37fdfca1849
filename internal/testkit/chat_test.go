package testkit

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/slack-go/slack"

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

// texts lists the messages' texts, for comparisons.
func texts(ps []Post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Msg.Text)
	}
	return out
}

func TestChatViews(t *testing.T) {
	// given posts to two channels, a reply in a thread, updates and an upload
	c := NewChat()
	ctx := context.Background()
	a, _ := c.Post(ctx, bot.Message{Channel: "C1", Text: "a"})
	b, _ := c.Post(ctx, bot.Message{Channel: "C2", Text: "b"})
	_, _ = c.Post(ctx, bot.Message{Channel: "C1", Thread: a, Text: "reply to a"})
	_ = c.Update(ctx, "C2", b, bot.Message{Text: "b2"})
	_ = c.Update(ctx, "C1", a, bot.Message{Text: "a2"})
	_ = c.Upload(ctx, "C1", a, bot.File{Name: "a.txt"})
	// then each view shows its part, in order
	if got, want := texts(c.Posts()), []string{"a", "b", "reply to a"}; !slices.Equal(got, want) {
		t.Errorf("Posts = %q, want %q", got, want)
	}
	if got, want := texts(c.Updates()), []string{"b2", "a2"}; !slices.Equal(got, want) {
		t.Errorf("Updates = %q, want %q", got, want)
	}
	if up := c.Uploads(); len(up) != 1 || up[0].File.Name != "a.txt" || up[0].Thread != a {
		t.Errorf("Uploads = %+v", up)
	}
	if got, want := texts(c.Thread(a)), []string{"reply to a"}; !slices.Equal(got, want) {
		t.Errorf("Thread(a) = %q, want %q", got, want)
	}
	if got, want := texts(c.Current()), []string{"a2", "b2", "reply to a"}; !slices.Equal(got, want) {
		t.Errorf("Current = %q, want %q", got, want)
	}
}

func TestChatDeletedMessageCannotBeUpdated(t *testing.T) {
	c := NewChat()
	ctx := context.Background()
	ts, _ := c.Post(ctx, bot.Message{Channel: "C1", Text: "a"})
	other, _ := c.Post(ctx, bot.Message{Channel: "C1", Text: "b"})
	c.Delete("C1", ts)
	var serr slack.SlackErrorResponse
	if err := c.Update(ctx, "C1", ts, bot.Message{Text: "a2"}); !errors.As(err, &serr) || serr.Err != "message_not_found" {
		t.Errorf("update of a deleted message: %v, want message_not_found", err)
	}
	if err := c.Update(ctx, "C1", other, bot.Message{Text: "b2"}); err != nil {
		t.Errorf("update of another message: %v", err)
	}
	if got := c.Last("C1", ts).Text; got != "a" {
		t.Errorf("Last of the deleted message = %q, want what was posted", got)
	}
}

func TestChatFailPostsTo(t *testing.T) {
	c := NewChat()
	ctx := context.Background()
	c.FailPostsTo("C1", "C2")
	var serr slack.SlackErrorResponse
	if _, err := c.Post(ctx, bot.Message{Channel: "C2"}); !errors.As(err, &serr) || serr.Err != "channel_not_found" {
		t.Errorf("post to a failing channel: %v, want channel_not_found", err)
	}
	if _, err := c.Post(ctx, bot.Message{Channel: "C3"}); err != nil {
		t.Errorf("post to another channel: %v", err)
	}
	c.FailPostsTo("C1")
	if _, err := c.Post(ctx, bot.Message{Channel: "C2"}); err != nil {
		t.Errorf("post to a channel no longer failing: %v", err)
	}
	c.FailPostsTo()
	if _, err := c.Post(ctx, bot.Message{Channel: "C1"}); err != nil {
		t.Errorf("post after the failures were lifted: %v", err)
	}
	if got := len(c.Posts()); got != 3 {
		t.Errorf("%d posts recorded, want the 3 that worked", got)
	}
}
