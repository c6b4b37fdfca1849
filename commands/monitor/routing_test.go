package monitor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	routes := []RouteConfig{
		{Match: `severity="critical"`, Channel: "CPAGE", Continue: true},
		{Match: `team="db"`, Channel: "CDB"},
		{Match: `team=~"web|edge",env!="dev"`, Channel: "CWEB"},
		{Match: `team="db"`, Channel: "CNEVER"}, // shadowed by the db route
		{Match: `severity="critical",team="db"`, Channel: "CPAGE"},
	}
	tests := []struct {
		name   string
		labels map[string]string
		dflt   string
		want   []string
	}{
		{"first match wins", map[string]string{"team": "db"}, "CDEF", []string{"CDB"}},
		{"continue adds the next match", map[string]string{"team": "db", "severity": "critical"}, "CDEF", []string{"CPAGE", "CDB"}},
		{"regex and negative matchers", map[string]string{"team": "edge", "env": "prod"}, "CDEF", []string{"CWEB"}},
		{"negative matcher excludes", map[string]string{"team": "web", "env": "dev"}, "CDEF", []string{"CDEF"}},
		{"missing label is empty", map[string]string{"team": "web"}, "CDEF", []string{"CWEB"}},
		{"regex is anchored", map[string]string{"team": "webby"}, "CDEF", []string{"CDEF"}},
		{"default channel", map[string]string{"team": "other"}, "CDEF", []string{"CDEF"}},
		{"no default drops", map[string]string{"team": "other"}, "", nil},
		{"continue only match does not add default", map[string]string{"severity": "critical"}, "CDEF", []string{"CPAGE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := compileRoutes(routes, tt.dflt)
			if err != nil {
				t.Fatal(err)
			}
			if got := rs.Channels(tt.labels); !slices.Equal(got, tt.want) {
				t.Errorf("Channels(%v) = %v, want %v", tt.labels, got, tt.want)
			}
		})
	}
}

func TestRoutesInvalid(t *testing.T) {
	tests := []struct {
		name  string
		route RouteConfig
		want  string
	}{
		{"bad operator", RouteConfig{Match: `team=="db"`, Channel: "C1"}, "routes[0].match:"},
		{"empty matcher", RouteConfig{Match: ``, Channel: "C1"}, "routes[0].match:"},
		{"no channel", RouteConfig{Match: `team="db"`}, "routes[0].channel: required"},
		{"bad regex", RouteConfig{Match: `team=~"("`, Channel: "C1"}, "routes[0].match:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileRoutes([]RouteConfig{tt.route}, "")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := Config{Webhook: WebhookConfig{Password: "hunter2-secret"}, Routes: []RouteConfig{{Match: "x=", Channel: ""}}}
	errs := cfg.Validate()
	joined := fmt.Sprint(errors.Join(errs...)) // one a line
	for _, want := range []string{"webhook:", "routes[0].channel", "alertmanager.url", "prometheus.url"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "hunter2") {
		t.Errorf("errors leak the password:\n%s", joined)
	}
	good := Config{Webhook: WebhookConfig{BearerToken: "t"}, DefaultChannel: "C1", Alertmanager: AlertmanagerConfig{URL: "http://am:9093"}}
	good.Prometheus.URL = "http://prom:9090"
	if errs := good.Validate(); len(errs) > 0 {
		t.Errorf("valid config: %v", errs)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"90m", "1h30m0s", true}, {"7d", "168h0m0s", true}, {"1w", "168h0m0s", true},
		{"1d12h", "36h0m0s", true}, {"0s", "", false}, {"soon", "", false}, {"-1h", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := parseDuration(tt.in)
			if (err == nil) != tt.ok || (tt.ok && d.String() != tt.want) {
				t.Errorf("parseDuration(%q) = %v, %v", tt.in, d, err)
			}
		})
	}
}
