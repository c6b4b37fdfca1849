package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/console"
	"opsbot/commands/incident"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// formRouter is the incident desk's commands and forms on a router.
func formRouter(t *testing.T) *bot.Router {
	t.Helper()
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	clock := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	inc, err := incident.New(incident.Config{}, incident.Deps{Store: store, Chat: testkit.NewChat(),
		Steps: loop.New(store, loop.Options{Clock: clock.Now}), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter("")
	if err := r.Register(inc.Commands()...); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterView(inc.Views()...); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIncidentFormInTheConsole: in the console, a severity the form does
// not offer is refused at its field and asked again, and the incident
// opens with the form's other answers.
func TestIncidentFormInTheConsole(t *testing.T) {
	r := formRouter(t)
	var out strings.Builder
	c := console.New(r, &out, console.Options{User: "U1ALICE"})
	if err := c.Run(context.Background(), strings.NewReader("incident new\ncheckout down\nsev5\nsev2\nerrors since 09:00\ncheckout\n")); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"sev5\n! choose one of [1 sev1, 2 sev2, 3 sev3, 4 sev4]", "Opened INC-1 (SEV2)."} {
		if !strings.Contains(got, want) {
			t.Errorf("the console lacks %q:\n%s", want, got)
		}
	}
}

// TestIncidentFormRefusesOverlongFields: a description or services over
// their limits are refused beside their fields, the form kept open.
func TestIncidentFormRefusesOverlongFields(t *testing.T) {
	r := formRouter(t)
	values := map[string]map[string]string{"title": {"title": "checkout down"}, "severity": {"severity": "sev2"},
		"description": {"description": strings.Repeat("d", incident.MaxDescription+1)}, "services": {"services": strings.Repeat("s", incident.MaxServices+1)}}
	rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", View: &bot.ViewSubmission{CallbackID: "incident.new", Values: values}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.ViewErrors["description"], "keep it under 3000") || !strings.Contains(rep.ViewErrors["services"], "keep it under 300") {
		t.Errorf("errors = %v", rep.ViewErrors)
	}
	rep, err = r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE",
		View: &bot.ViewSubmission{CallbackID: "incident.note", PrivateMetadata: "INC-1", Values: map[string]map[string]string{"note": {"note": strings.Repeat("n", incident.MaxNote+1)}}}})
	if err != nil || !strings.Contains(rep.ViewErrors["note"], "keep it under 3000") {
		t.Errorf("long note: %+v, %v", rep, err)
	}
}
