package core

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
)

type fixedRole bot.Role

func (r fixedRole) RoleOf(context.Context, string) bot.Role { return bot.Role(r) }

func TestPingAndWhoami(t *testing.T) {
	r := bot.NewRouter("/ops")
	if err := r.Register(Commands(fixedRole(bot.RoleOperator), "1.2.3")...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, want string
		code       bot.Code // "" for success
	}{
		{"ping", "pong (opsbot 1.2.3)", ""},
		{"whoami", "You are <@U1>, with the operator role.", ""},
		{"ping now", "`ping` takes no arguments, but was given \"now\"\nUsage: `ping` (see `help ping`)", bot.CodeInvalid},
		{"whoami <@U2> please", "`whoami` takes no arguments, but was given \"<@U2> please\"\nUsage: `whoami` (see `help whoami`)", bot.CodeInvalid},
	}
	for _, tt := range tests {
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Channel: "C1", Text: tt.text})
		if tt.code != "" {
			if bot.ErrorCode(err) != tt.code || bot.UserMessage(err) != tt.want {
				t.Errorf("%q: err %v (%q), want %s %q", tt.text, err, bot.UserMessage(err), tt.code, tt.want)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(rep.Text, tt.want) {
			t.Errorf("%q = %v, %v; want %q", tt.text, rep, err, tt.want)
		}
	}
}
