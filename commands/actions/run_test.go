package actions

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/integrations/sshexec"
)

// recordingChat keeps what PostOutput sends.
type recordingChat struct {
	posts   []bot.Message
	uploads []bot.File
}

func (c *recordingChat) Post(_ context.Context, m bot.Message) (string, error) {
	c.posts = append(c.posts, m)
	return "2.0", nil
}
func (c *recordingChat) Update(context.Context, string, string, bot.Message) error { return nil }
func (c *recordingChat) Upload(_ context.Context, _, _ string, f bot.File) error {
	c.uploads = append(c.uploads, f)
	return nil
}

func TestPostOutput(t *testing.T) {
	long := strings.Repeat("a line of journal output\n", 200) + "the end"
	tests := []struct {
		name, text        string
		wantPost, wantNot string
		uploads           int
	}{
		{name: "short goes inline", text: "restarted nginx", wantPost: "restarted nginx", uploads: 0},
		{name: "at the limit goes inline", text: strings.Repeat("x", MaxInline), wantPost: strings.Repeat("x", MaxInline), uploads: 0},
		{name: "long is a file with a note", text: long, wantPost: "CHG-1 output is long (201 lines, 5 KB), so it is attached as chg-1-output.txt.",
			wantNot: "a line of journal output", uploads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := &recordingChat{}
			if err := PostOutput(context.Background(), chat, "C1", "1.0", "chg-1-output.txt", "CHG-1 output", tt.text); err != nil {
				t.Fatal(err)
			}
			if len(chat.uploads) != tt.uploads {
				t.Fatalf("%d uploads, want %d", len(chat.uploads), tt.uploads)
			}
			if tt.uploads == 1 && (string(chat.uploads[0].Content) != tt.text || chat.uploads[0].Name != "chg-1-output.txt") {
				t.Errorf("upload %q with %d bytes", chat.uploads[0].Name, len(chat.uploads[0].Content))
			}
			if len(chat.posts) != 1 || chat.posts[0].Text != tt.wantPost || chat.posts[0].Thread != "1.0" || chat.posts[0].Channel != "C1" {
				t.Fatalf("posts: %+v", chat.posts)
			}
			if tt.wantNot != "" && strings.Contains(chat.posts[0].Text, tt.wantNot) {
				t.Errorf("the note repeats the output: %q", chat.posts[0].Text)
			}
		})
	}
}

// TestHostReportEscapesWhatHostsPrint: output and errors from hosts reach
// Slack as text in code blocks, never as mentions or links; the file form
// keeps them as printed.
func TestHostReportEscapesWhatHostsPrint(t *testing.T) {
	res := sshexec.FanoutResult{Results: []sshexec.Result{
		{Target: sshexec.Target{Name: "web-1"}, Stdout: "ok <!here> & <https://evil.example|click>\n```\nafter the fence\n"},
		{Target: sshexec.Target{Name: "web-2"}, Stderr: "<!channel>", Err: fmt.Errorf("%w: exit 1 <@U0BOSS>", sshexec.ErrNonZeroExit)},
	}}
	slackText := HostReport(res)
	for _, live := range []string{"<!here>", "<https://evil.example|click>", "<!channel>", "<@U0BOSS>", " & "} {
		if strings.Contains(slackText, live) {
			t.Errorf("%q reaches Slack live:\n%s", live, slackText)
		}
	}
	if strings.Count(slackText, "```") != 4 || !strings.Contains(slackText, "&lt;!here&gt; &amp; &lt;https://evil.example|click&gt;") {
		t.Errorf("want two code blocks of escaped output:\n%s", slackText)
	}
	plain := HostReportPlain(res)
	if !strings.Contains(plain, "ok <!here> & <https://evil.example|click>") || !strings.Contains(plain, "== web-2 FAILED: ") {
		t.Errorf("file form:\n%s", plain)
	}
	chat := &recordingChat{}
	if err := PostReport(context.Background(), chat, "C1", "1.0", "out.txt", "out", res); err != nil {
		t.Fatal(err)
	}
	if len(chat.posts) != 1 || chat.posts[0].Text != slackText {
		t.Errorf("posted %+v", chat.posts)
	}
}
