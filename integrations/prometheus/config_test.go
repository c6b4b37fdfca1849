package prometheus

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings, one per expected error
	}{
		{"minimal", Config{URL: "http://prometheus:9090"}, nil},
		{"with path and bearer", Config{URL: "https://example.com/prom/", BearerToken: "t", Timeout: time.Second}, nil},
		{"missing url", Config{}, []string{"url: required"}},
		{"bad scheme", Config{URL: "ftp://x"}, []string{`url: scheme must be http or https, not "ftp"`}},
		{"no host", Config{URL: "http:///api"}, []string{"url: needs a host"}},
		{"unparsable", Config{URL: "http://[::1"}, []string{"url: not a valid URL"}},
		{"credentials twice", Config{URL: "http://u:p@x", BasicAuth: &BasicAuth{Username: "u"}}, []string{"basic_auth: credentials are also in url"}},
		{"bearer and basic", Config{URL: "http://x", BearerToken: "t", BasicAuth: &BasicAuth{}}, []string{"bearer_token: cannot be combined"}},
		{"token twice", Config{URL: "http://x", BearerToken: "t", BearerTokenFile: "f"}, []string{"bearer_token_file: give bearer_token or bearer_token_file"}},
		{"token file and basic", Config{URL: "http://x", BearerTokenFile: "f", BasicAuth: &BasicAuth{}}, []string{"bearer_token: cannot be combined"}},
		{"password twice", Config{URL: "http://x", BasicAuth: &BasicAuth{Password: "p", PasswordFile: "f"}}, []string{"basic_auth.password_file: give password or password_file"}},
		{"negative timeout", Config{URL: "http://x", Timeout: -time.Second}, []string{"timeout: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	const secret = "s3cr3t-value"
	configs := []Config{
		{URL: "https://alice:" + secret + "@prom.example.com/", Timeout: time.Second},
		{URL: "https://prom.example.com/?token=" + secret, BearerToken: secret},
		{URL: "https://prom.example.com/", BasicAuth: &BasicAuth{Username: "bob", Password: secret}},
	}
	for i, cfg := range configs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var logs bytes.Buffer
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "prometheus", cfg)
			slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "prometheus", cfg)
			shown := logs.String() + fmt.Sprint(cfg) + fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)
			if strings.Contains(shown, secret) {
				t.Fatalf("secret shown: %s", shown)
			}
			if !strings.Contains(shown, "https://prom.example.com/") {
				t.Errorf("URL not shown: %s", shown)
			}
		})
	}
}
