package change_test

import (
	"context"
	"testing"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

// TestRequestFormErrorsSitBesideTheirField: the change form keeps open
// with each problem beside the field it is about: an unknown host beside
// the hosts, a window that cannot be beside the window, an unknown action
// beside the action.
func TestRequestFormErrorsSitBesideTheirField(t *testing.T) {
	svc, _, _ := unpostedDesk(t, testkit.NewChat())
	r := bot.NewRouter("")
	if err := r.RegisterView(svc.Views()...); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ action, target, window, field string }{
		{"restart nginx", "web-9", "", "target"},
		{"restart nginx", "web-1", "2026-03-04 09:00 for 30m", "window"},
		{"frobnicate nginx", "web-1", "", "action"},
	} {
		values := map[string]map[string]string{"action": {"action": tt.action}, "target": {"target": tt.target},
			"window": {"window": tt.window}, "reason": {"reason": "test"}}
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "UALICE", Role: bot.RoleAdmin, Channel: "CGENERAL",
			View: &bot.ViewSubmission{CallbackID: "change.new", Values: values}})
		if err != nil {
			t.Errorf("%+v: %v; want the form kept open", tt, err)
			continue
		}
		if rep.ViewErrors[tt.field] == "" || len(rep.ViewErrors) != 1 {
			t.Errorf("%+v: errors %v, want one beside %s", tt, rep.ViewErrors, tt.field)
		}
	}
}
