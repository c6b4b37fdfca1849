package console

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// formDesk opens a form with a title (at most 10 characters) and a
// severity select, refuses the title "taken" in its submission, and
// records what it was submitted.
type formDesk struct {
	mu   sync.Mutex
	subs []string
}

func (d *formDesk) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.View == nil {
		var opts []*slack.OptionBlockObject
		for _, v := range []string{"sev1", "sev2"} {
			opts = append(opts, slack.NewOptionBlockObject(v, slack.NewTextBlockObject(slack.PlainTextType, strings.ToUpper(v), false, false), nil))
		}
		return &bot.Reply{View: &slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "t.new", Title: slack.NewTextBlockObject(slack.PlainTextType, "New", false, false),
			Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewInputBlock("title", slack.NewTextBlockObject(slack.PlainTextType, "Title", false, false), nil,
					slack.NewPlainTextInputBlockElement(nil, "title").WithMaxLength(10)),
				slack.NewInputBlock("sev", slack.NewTextBlockObject(slack.PlainTextType, "Severity", false, false), nil,
					slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "sev", opts...)),
			}}}}, nil
	}
	title, sev := req.View.Values["title"]["title"], req.View.Values["sev"]["sev"]
	d.mu.Lock()
	d.subs = append(d.subs, title+"|"+sev)
	d.mu.Unlock()
	if title == "taken" {
		return &bot.Reply{ViewErrors: map[string]string{"title": "that title is taken"}}, nil
	}
	return bot.Text("opened " + title + " " + sev), nil
}

// TestFormRefusesAtTheFieldAndStaysOpen: what Slack would not take is
// refused at its field and asked again; errors from the submission are
// shown beside their field, which alone is asked again, and the form is
// submitted anew with the other answers kept.
func TestFormRefusesAtTheFieldAndStaysOpen(t *testing.T) {
	d := &formDesk{}
	out, _ := run(t, d, Options{User: "U1"}, "new\n\nfar too long a title\ntaken\nsev9\n2\ngood\n")
	if got := strings.Join(d.subs, " "); got != "taken|sev2 good|sev2" {
		t.Errorf("submissions %q, want the refused one and the corrected one", got)
	}
	for _, want := range []string{
		"! this field is required",
		"! that is 20 characters; this field takes at most 10",
		"Severity [1 sev1, 2 sev2]: sev9\n! choose one of [1 sev1, 2 sev2]",
		"! Title: that title is taken\nTitle: good",
		"opened good sev2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Severity [") != 2 {
		t.Errorf("the severity was asked again after the title was refused:\n%s", out)
	}
}
