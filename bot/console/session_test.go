package console

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// script answers lines with canned replies and records who sent each.
type script struct {
	mu    sync.Mutex
	users []string
	reply func(req *bot.Request) *bot.Reply
}

func (s *script) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	s.mu.Lock()
	s.users = append(s.users, req.UserID)
	s.mu.Unlock()
	if s.reply != nil {
		return s.reply(req), nil
	}
	return bot.Text("ok"), nil
}

func run(t *testing.T, d Dispatcher, o Options, in string) (string, *Console) {
	t.Helper()
	var out strings.Builder
	c := New(d, &out, o)
	if err := c.Run(context.Background(), strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	return out.String(), c
}

var people = map[string]string{"alice": "U1ALICE", "bob": "U2BOB", "you": "U0CONSOLE"}

// TestAsSwitchesTheActingUser: `as` takes a name from People, a user id
// or a mention, and what follows is sent as that user; an unknown name is
// refused naming the known ones, and the user stays who they were.
func TestAsSwitchesTheActingUser(t *testing.T) {
	d := &script{}
	out, _ := run(t, d, Options{User: "you", People: people},
		"ping\nas alice\nping\nas U2BOB\nping\nas <@U1ALICE>\nping\nas mallory\nping\nas\n")
	want := []string{"U0CONSOLE", "U1ALICE", "U2BOB", "U1ALICE", "U1ALICE"}
	if strings.Join(d.users, " ") != strings.Join(want, " ") {
		t.Errorf("requests came from %v, want %v", d.users, want)
	}
	for _, s := range []string{
		"You are now alice (U1ALICE).", "You are now bob (U2BOB).",
		`! I don't know "mallory": give a name (alice, bob, you) or a user id like U123ABC.`,
		"You are alice (U1ALICE). Type `as <name>`",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// TestClickAfterAsIsTheNewUsers: a button shown to one user is clicked as
// the user the session switched to.
func TestClickAfterAsIsTheNewUsers(t *testing.T) {
	d := &script{reply: func(req *bot.Request) *bot.Reply {
		if req.Action != nil {
			return bot.Text("clicked")
		}
		return &bot.Reply{Text: "card", Blocks: []slack.Block{slack.NewActionBlock("b",
			slack.NewButtonBlockElement("change.approve", "CHG-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)))}}
	}}
	run(t, d, Options{User: "U2BOB", People: people}, "change request\nas alice\nclick 1\n")
	if got := strings.Join(d.users, " "); got != "U2BOB U1ALICE" {
		t.Errorf("request and click came from %s, want U2BOB U1ALICE", got)
	}
}

// TestATerminalIsNotEchoed: with a prompt (stdin is a terminal, which
// shows what is typed) lines are not printed again; piped input is.
func TestATerminalIsNotEchoed(t *testing.T) {
	out, _ := run(t, &script{}, Options{User: "U1", Prompt: "opsbot> "}, "ping\n")
	if strings.Contains(out, "> ping") {
		t.Errorf("a terminal's line was echoed:\n%q", out)
	}
	out, _ = run(t, &script{}, Options{User: "U1"}, "ping\n")
	if !strings.Contains(out, "> ping\n") {
		t.Errorf("piped input was not echoed:\n%q", out)
	}
}

// TestAnUpdateThatChangesNothingIsNotPrintedAgain: a click answered with
// the updated card, followed by the same update from the domain's own
// worker (as the alert buttons do), prints the card once; a real change
// is printed.
func TestAnUpdateThatChangesNothingIsNotPrintedAgain(t *testing.T) {
	card := func(state string) []slack.Block {
		return []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Alert* "+state, false, false), nil, nil),
			slack.NewActionBlock("b", slack.NewButtonBlockElement("alert.ack", "g1", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false))),
		}
	}
	var c *Console
	d := &script{reply: func(req *bot.Request) *bot.Reply {
		_ = c.Update(context.Background(), req.Channel, req.Action.MessageTS, bot.Message{Channel: req.Channel, Blocks: card("acknowledged")})
		return &bot.Reply{Blocks: card("acknowledged"), ReplaceOriginal: true}
	}}
	var out strings.Builder
	c = New(d, &out, Options{User: "U1"})
	if _, err := c.Post(context.Background(), bot.Message{Channel: "alerts", Blocks: card("firing")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background(), strings.NewReader("click 1\n")); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "*Alert* acknowledged"); n != 1 {
		t.Errorf("the updated card was printed %d times, want once:\n%s", n, out.String())
	}
	_ = c.Update(context.Background(), "alerts", "1", bot.Message{Blocks: card("resolved")})
	if !strings.Contains(out.String(), "(updated) *Alert* resolved") {
		t.Errorf("a changed card was not printed:\n%s", out.String())
	}
}

// TestMentionsReadAsNames: user ids the console knows read as @name, in
// messages, in refusals and in the line naming a DM; unknown ids stay,
// and a user group without a label shows its id.
func TestMentionsReadAsNames(t *testing.T) {
	d := &script{reply: func(req *bot.Request) *bot.Reply {
		return bot.Text("paged <@U1ALICE> and <@U9NOBODY> in <#C1|ops> for <!subteam^S1>, see <https://x.example/rb|runbook>")
	}}
	var out strings.Builder
	c := New(d, &out, Options{User: "U0CONSOLE", People: people})
	if _, err := c.Post(context.Background(), bot.Message{Channel: "U2BOB", Text: "you were paged by <@U0CONSOLE>"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background(), strings.NewReader("page\n")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"[DM to @bob]\nyou were paged by @you",
		"paged @alice and @U9NOBODY in #ops for @S1, see runbook (https://x.example/rb)",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if got := Names(nil).Mrkdwn("<!subteam^S1|@sre>"); got != "@sre" {
		t.Errorf("a labelled group reads %q, want @sre", got)
	}
}

// refuser refuses everything, naming who could help, as RBAC does.
type refuser struct{}

func (refuser) Dispatch(context.Context, *bot.Request) (*bot.Reply, error) {
	return nil, bot.Errorf(bot.CodeForbidden, "this needs the approver role; ask <@U1ALICE>")
}

func TestRefusalsReadAsNames(t *testing.T) {
	out, _ := run(t, refuser{}, Options{User: "U2BOB", People: people}, "approve\n")
	if !strings.Contains(out, "! this needs the approver role; ask @alice") {
		t.Errorf("refusal not readable:\n%s", out)
	}
}

// TestFilesGoToOneDirectoryPerSession: without a FileDir the first file
// makes a directory for the session, says where, and later files go
// there too, a name used twice getting a number; nothing lands loose in
// the temporary directory.
func TestFilesGoToOneDirectoryPerSession(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out strings.Builder
	c := New(&script{}, &out, Options{User: "U1"})
	for range 2 {
		if err := c.Upload(context.Background(), "console", "", bot.File{Name: "graph.png", Title: "graph", Content: []byte("png")}); err != nil {
			t.Fatal(err)
		}
	}
	m := regexp.MustCompile(`\[files of this session are saved in (\S+)\]`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the session's directory is not named:\n%s", out.String())
	}
	if filepath.Dir(m[1]) != tmp {
		t.Errorf("session directory %s is not in the temporary directory %s", m[1], tmp)
	}
	for _, name := range []string{"graph.png", "graph-2.png"} {
		if _, err := os.Stat(filepath.Join(m[1], name)); err != nil {
			t.Errorf("%s not saved in the session directory: %v\n%s", name, err, out.String())
		}
	}
	if loose, _ := filepath.Glob(filepath.Join(tmp, "graph*")); len(loose) > 0 {
		t.Errorf("files left loose in the temporary directory: %v", loose)
	}
	// A second session gets a directory of its own.
	var out2 strings.Builder
	c2 := New(&script{}, &out2, Options{User: "U1"})
	_ = c2.Upload(context.Background(), "console", "", bot.File{Name: "graph.png"})
	if strings.Contains(out2.String(), m[1]+"]") {
		t.Errorf("two sessions share %s", m[1])
	}
}
