package amtest

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		want    amConfig
		wantErr string
	}{
		{
			name: "defaults notify nobody",
			want: amConfig{
				Route:     route{Receiver: "webhook", GroupBy: []string{"alertname"}, GroupWait: "1s", GroupInterval: "1s", RepeatInterval: "1h"},
				Receivers: []receiver{{Name: "webhook"}},
			},
		},
		{
			name: "webhook with bearer token",
			opts: []Option{WebhookURL("http://127.0.0.1:1/hook"), WebhookBearerToken("t0k"), GroupBy("alertname", "env"), RepeatInterval(90 * time.Second)},
			want: amConfig{
				Route: route{Receiver: "webhook", GroupBy: []string{"alertname", "env"}, GroupWait: "1s", GroupInterval: "1s", RepeatInterval: "1m30s"},
				Receivers: []receiver{{Name: "webhook", WebhookConfigs: []webhookConfig{{
					URL: "http://127.0.0.1:1/hook", SendResolved: true,
					HTTPConfig: &httpConfig{Authorization: &authorization{Type: "Bearer", Credentials: "t0k"}},
				}}}},
			},
		},
		{
			name: "webhook with basic auth",
			opts: []Option{WebhookURL("http://127.0.0.1:1/hook"), WebhookBasicAuth("am", "pw")},
			want: amConfig{
				Route: route{Receiver: "webhook", GroupBy: []string{"alertname"}, GroupWait: "1s", GroupInterval: "1s", RepeatInterval: "1h"},
				Receivers: []receiver{{Name: "webhook", WebhookConfigs: []webhookConfig{{
					URL: "http://127.0.0.1:1/hook", SendResolved: true,
					HTTPConfig: &httpConfig{BasicAuth: &basicAuth{Username: "am", Password: "pw"}},
				}}}},
			},
		},
		{name: "both auth kinds", opts: []Option{WebhookURL("http://x/"), WebhookBearerToken("t"), WebhookBasicAuth("u", "p")}, wantErr: "exclude each other"},
		{name: "credentials without URL", opts: []Option{WebhookBearerToken("t")}, wantErr: "without WebhookURL"},
		{name: "empty group_by", opts: []Option{GroupBy()}, wantErr: "at least one label"},
		{name: "zero repeat interval", opts: []Option{RepeatInterval(0)}, wantErr: "positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			for _, opt := range tt.opts {
				opt(&o)
			}
			got, err := o.config()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("config\n got %+v\nwant %+v", got, tt.want)
			}
			// The file holds the same configuration.
			path, err := got.write(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var back amConfig
			if err := yaml.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.want) {
				t.Fatalf("written file reads back as %+v\n%s", back, b)
			}
		})
	}
}
