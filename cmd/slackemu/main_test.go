package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestRevokeRestoreAndRedeliver(t *testing.T) {
	m := NewMain(strings.NewReader(""), io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-quiet", "-no-pings"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	run := func(line string) string {
		t.Helper()
		out, err := m.command(ctx, line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return out
	}
	api := slack.New(m.srv.BotToken(), slack.OptionAPIURL(m.srv.APIURL()))
	run("revoke bot")
	var se slack.SlackErrorResponse
	if _, err := api.AuthTest(); !errors.As(err, &se) || se.Err != "token_revoked" {
		t.Fatalf("auth.test with a revoked token = %v", err)
	}
	run("restore bot")
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("auth.test after restore: %v", err)
	}
	if _, err := m.command(ctx, "redeliver"); err == nil {
		t.Error("redeliver with nothing sent succeeded")
	}
	if _, err := m.command(ctx, "revoke everything"); err == nil {
		t.Error("revoke of an unknown token succeeded")
	}
	run("U1 C1 /ops ping")
	run("redeliver http_error")
	envs := m.srv.Envelopes()
	if len(envs) != 2 || envs[1].FirstID != envs[0].ID || envs[1].RetryReason != "http_error" || envs[1].RetryAttempt != 1 {
		t.Fatalf("envelopes = %+v", envs)
	}
}
