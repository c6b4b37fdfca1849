package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestSecretsNeverReachTheLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil), NewRedactor([]string{"hunter2-password", "ab"})))
	log = log.With("redis", "redis://:hunter2-password@db:6379")
	log.Info("connecting with hunter2-password", "token", "xoxb-1234-5678-abcdef", "err", errors.New("auth xapp-1-A1B2C3D4 refused"),
		slog.Group("slack", "app", "xapp-1-AAAA-BBBB"))
	out := buf.String()
	for _, secret := range []string{"hunter2", "xoxb-1234", "xapp-1-A1B2", "xapp-1-AAAA"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached the log: %s", secret, out)
		}
	}
	if strings.Count(out, Redacted) < 5 {
		t.Errorf("log = %s", out)
	}
	if !strings.Contains(out, "connecting with") {
		t.Errorf("the message itself was lost: %s", out)
	}
}

func TestDurationsAreWrittenAsText(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil), NewRedactor(nil)))
	log.Warn("step failed; will retry", "retry_in", 10*time.Minute, slog.Group("g", "took", 1500*time.Millisecond))
	out := buf.String()
	if !strings.Contains(out, `"retry_in":"10m0s"`) || !strings.Contains(out, `"took":"1.5s"`) {
		t.Errorf("durations not written as text: %s", out)
	}
}
