package slackemu

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

func modal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject("plain_text", title, false, false),
		Submit:     slack.NewTextBlockObject("plain_text", "Create", false, false),
		CallbackID: "incident.create",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("title", slack.NewTextBlockObject("plain_text", "Title", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "title_input")),
			slack.NewInputBlock("sev", slack.NewTextBlockObject("plain_text", "Severity", false, false), nil,
				slack.NewOptionsSelectBlockElement("static_select", nil, "sev_select",
					slack.NewOptionBlockObject("sev1", slack.NewTextBlockObject("plain_text", "SEV1", false, false), nil),
					slack.NewOptionBlockObject("sev2", slack.NewTextBlockObject("plain_text", "SEV2", false, false), nil))),
		}},
	}
}

func TestViewsOpenTriggers(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	sent, err := srv.SlashCommand("U1", "C1", "/incident", "new")
	if err != nil {
		t.Fatal(err)
	}
	v, err := api.OpenView(sent.TriggerID, modal("New incident"))
	if err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || v.Hash == "" || v.CallbackID != "incident.create" || v.RootViewID != v.ID || v.AppID != AppID {
		t.Fatalf("view = %+v", v.View)
	}
	got, ok := srv.View(v.ID)
	if !ok || got.User != "U1" || !got.Open || got.Title != "New incident" || got.Source != "views.open" {
		t.Fatalf("recorded view = %+v", got)
	}

	stale := newTestServer(t, WithTriggerTTL(time.Nanosecond))
	old, err := stale.SlashCommand("U1", "C1", "/incident", "new")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		api     *slack.Client
		trigger string
		view    slack.ModalViewRequest
		want    string
	}{
		{"trigger used twice", api, sent.TriggerID, modal("Again"), "exchanged_trigger_id"},
		{"trigger never issued", api, "123.456.abc", modal("Forged"), "invalid_trigger_id"},
		{"trigger too old", newAPI(t, stale, stale.BotToken()), old.TriggerID, modal("Late"), "expired_trigger_id"},
		{"title too long", api, mustTrigger(t, srv), modal("A title of more than 24 chars"), "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.api.OpenView(tt.trigger, tt.view); slackErr(err) != tt.want {
				t.Fatalf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func mustTrigger(t *testing.T, srv *Server) string {
	t.Helper()
	sent, err := srv.SlashCommand("U1", "C1", "/incident", "")
	if err != nil {
		t.Fatal(err)
	}
	return sent.TriggerID
}

func TestViewsPushUpdatePublish(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	root, err := api.OpenView(mustTrigger(t, srv), modal("Root"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := api.PushView(mustTrigger(t, srv), modal("Second"))
	if err != nil {
		t.Fatal(err)
	}
	if second.RootViewID != root.ID || second.PreviousViewID != root.ID {
		t.Fatalf("pushed view = %+v", second.View)
	}
	if _, err := api.PushView(mustTrigger(t, srv), modal("Third")); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PushView(mustTrigger(t, srv), modal("Fourth")); slackErr(err) != "push_limit_reached" {
		t.Fatalf("fourth view: %v", err)
	}
	if n := len(srv.OpenModals("U1")); n != 3 {
		t.Fatalf("%d modals open, want 3", n)
	}

	upd, err := api.UpdateView(modal("Root v2"), "", root.Hash, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Hash == root.Hash {
		t.Fatal("update kept the hash")
	}
	if _, err := api.UpdateView(modal("Root v3"), "", root.Hash, root.ID); slackErr(err) != "hash_conflict" {
		t.Fatalf("stale hash: %v", err)
	}
	if _, err := api.UpdateView(modal("Nope"), "", "", "V404"); slackErr(err) != "not_found" {
		t.Fatalf("unknown view: %v", err)
	}
	if v, _ := srv.View(root.ID); v.Title != "Root v2" || v.Updates != 1 {
		t.Fatalf("updated view = %+v", v)
	}

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	first, err := api.PublishView("U2", home, "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := api.PublishView("U2", home, first.Hash)
	if err != nil || again.ID != first.ID {
		t.Fatalf("republish = %+v, %v", again, err)
	}
	if _, err := api.PublishView("U404", home, ""); slackErr(err) != "user_not_found" {
		t.Fatalf("publish for unknown user: %v", err)
	}
	if hv, ok := srv.HomeView("U2"); !ok || hv.ID != first.ID || hv.Type != "home" || hv.Updates != 1 {
		t.Fatalf("home view = %+v", hv)
	}
}

func TestSubmitView(t *testing.T) {
	srv := newTestServer(t)
	b := startBot(t, srv)
	ctx := testCtx(t)
	view, err := b.api.OpenView(mustTrigger(t, srv), modal("New incident"))
	if err != nil {
		t.Fatal(err)
	}
	b.ack(t, b.next(t)) // the slash command that carried the trigger
	values := map[string]map[string]string{
		"title": {"title_input": "db down"},
		"sev":   {"sev_select": "sev1"},
	}

	// the bot refuses the first submission with a validation error
	done := make(chan ViewSubmission, 1)
	go func() {
		sub, err := srv.SubmitView(ctx, "U1", view.ID, values)
		if err != nil {
			t.Error(err)
		}
		done <- sub
	}()
	ev := b.next(t)
	cb := ev.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.ID != view.ID || cb.View.CallbackID != "incident.create" {
		t.Fatalf("submission = %+v", cb)
	}
	state := cb.View.State.Values
	if state["title"]["title_input"].Value != "db down" || state["sev"]["sev_select"].SelectedOption.Value != "sev1" ||
		state["sev"]["sev_select"].SelectedOption.Text.Text != "SEV1" {
		t.Fatalf("state = %+v", state)
	}
	b.ack(t, ev, slack.NewErrorsViewSubmissionResponse(map[string]string{"title": "too short"}))
	sub := <-done
	if sub.ResponseAction != "errors" || sub.Errors["title"] != "too short" {
		t.Fatalf("submission result = %+v", sub)
	}
	if v, _ := srv.View(view.ID); !v.Open {
		t.Fatal("a view answered with errors was closed")
	}

	// the second submission is accepted and the modal closes
	go func() {
		sub, err := srv.SubmitView(ctx, "U1", view.ID, values)
		if err != nil {
			t.Error(err)
		}
		done <- sub
	}()
	b.ack(t, b.next(t))
	if sub := <-done; sub.ResponseAction != "" {
		t.Fatalf("submission result = %+v", sub)
	}
	if v, _ := srv.View(view.ID); v.Open {
		t.Fatal("an accepted submission left the modal open")
	}
}

func TestHomeTabInteraction(t *testing.T) {
	srv := newTestServer(t)
	b := startBot(t, srv)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewActionBlock("oncall", slack.NewButtonBlockElement("oncall.take", "week-12",
			slack.NewTextBlockObject("plain_text", "Take the pager", false, false))),
	}}}
	published, err := b.api.PublishView("U3", home, "")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := srv.HomeOpened("U3"); err != nil {
		t.Fatal(err)
	}
	ev := b.next(t)
	opened := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if opened.View == nil || opened.View.ID != published.ID {
		t.Fatalf("app_home_opened carries view %+v, want %s", opened.View, published.ID)
	}
	b.ack(t, ev)

	sent, err := srv.ClickInView("U3", published.ID, "oncall.take", "week-12")
	if err != nil {
		t.Fatal(err)
	}
	ev = b.next(t)
	cb := ev.Data.(slack.InteractionCallback)
	if cb.Container.Type != "view" || cb.Container.ViewID != published.ID || cb.View.ID != published.ID ||
		cb.TriggerID != sent.TriggerID || len(cb.ActionCallback.BlockActions) != 1 ||
		cb.ActionCallback.BlockActions[0].Value != "week-12" || cb.ActionCallback.BlockActions[0].BlockID != "oncall" {
		t.Fatalf("view click = %+v", cb)
	}
	b.ack(t, ev)
	// the click's trigger opens a modal, as a bot would do next
	if _, err := b.api.OpenView(cb.TriggerID, modal("Take the pager")); err != nil {
		t.Fatal(err)
	}
	if open := srv.OpenModals("U3"); len(open) != 1 || open[0].Title != "Take the pager" {
		t.Fatalf("open modals = %+v", open)
	}
	if _, err := srv.ClickInView("U1", published.ID, "oncall.take", ""); !errors.Is(err, ErrNoSuchView) {
		t.Fatalf("click in someone else's view: %v", err)
	}
}
