package monitor

import (
	"os"
	"strings"
	"testing"
	"time"

	"opsbot/bot/config"
)

// The example section loads with the strict loader and validates.
func TestExampleConfig(t *testing.T) {
	f, err := os.Open("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dst struct {
		Monitor Config `yaml:"monitor"`
	}
	l := config.NewLoader()
	l.Getenv = func(k string) (string, bool) { return "tok-from-env", k == "OPSBOT_ALERTMANAGER_WEBHOOK_TOKEN" }
	doc := l.Load("example.yaml", f, &dst)
	if !doc.Report().OK() {
		t.Fatal(doc.Report().String())
	}
	c := dst.Monitor
	if errs := c.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if c.Webhook.BearerToken != "tok-from-env" || time.Duration(c.MaxSilence) != 7*24*time.Hour ||
		time.Duration(c.Storm.MaxBacklog) != 2*time.Second || c.Prometheus.Timeout != 30*time.Second || len(c.Routes) != 2 {
		t.Errorf("loaded %+v", c)
	}
	if !strings.Contains(strings.Join(doc.Secrets(), ","), "tok-from-env") {
		t.Errorf("the webhook token is not treated as a secret")
	}
}

func TestTimeZoneIsChecked(t *testing.T) {
	c := Config{Webhook: WebhookConfig{BearerToken: "t"}, DefaultChannel: "C1", Alertmanager: AlertmanagerConfig{URL: "http://am:9093"}, TimeZone: "Mars/Olympus"}
	c.Prometheus.URL = "http://prom:9090"
	errs := c.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "time_zone:") {
		t.Errorf("errors %v, want one about time_zone", errs)
	}
	c.TimeZone = "Europe/Berlin"
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("Europe/Berlin: %v", errs)
	}
}
