package amtest

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// ReceiverName is the name of the one receiver in the generated
// configuration, as it appears in webhook messages' "receiver".
const ReceiverName = "webhook"

// Alertmanager's configuration, as far as the generated file uses it.
type (
	amConfig struct {
		Route     route      `yaml:"route"`
		Receivers []receiver `yaml:"receivers"`
	}
	route struct {
		Receiver       string   `yaml:"receiver"`
		GroupBy        []string `yaml:"group_by"`
		GroupWait      string   `yaml:"group_wait"`
		GroupInterval  string   `yaml:"group_interval"`
		RepeatInterval string   `yaml:"repeat_interval"`
	}
	receiver struct {
		Name           string          `yaml:"name"`
		WebhookConfigs []webhookConfig `yaml:"webhook_configs,omitempty"`
	}
	webhookConfig struct {
		URL          string      `yaml:"url"`
		SendResolved bool        `yaml:"send_resolved"`
		HTTPConfig   *httpConfig `yaml:"http_config,omitempty"`
	}
	httpConfig struct {
		Authorization *authorization `yaml:"authorization,omitempty"`
		BasicAuth     *basicAuth     `yaml:"basic_auth,omitempty"`
	}
	authorization struct {
		Type        string `yaml:"type"`
		Credentials string `yaml:"credentials"`
	}
	basicAuth struct {
		Username string `yaml:"username"`
		Password string `yaml:"password"`
	}
)

// config builds the configuration the options describe.
func (o options) config() (amConfig, error) {
	if o.bearerToken != "" && o.basicUser != "" {
		return amConfig{}, errors.New("WebhookBearerToken and WebhookBasicAuth exclude each other")
	}
	if o.webhookURL == "" && (o.bearerToken != "" || o.basicUser != "") {
		return amConfig{}, errors.New("webhook credentials given without WebhookURL")
	}
	if len(o.groupBy) == 0 {
		return amConfig{}, errors.New("GroupBy needs at least one label")
	}
	if o.repeatInterval <= 0 {
		return amConfig{}, errors.New("RepeatInterval must be positive")
	}
	c := amConfig{
		Route: route{
			Receiver:       ReceiverName,
			GroupBy:        o.groupBy,
			GroupWait:      "1s",
			GroupInterval:  "1s",
			RepeatInterval: model.Duration(o.repeatInterval).String(),
		},
		Receivers: []receiver{{Name: ReceiverName}},
	}
	if o.webhookURL == "" {
		return c, nil
	}
	wh := webhookConfig{URL: o.webhookURL, SendResolved: true}
	switch {
	case o.bearerToken != "":
		wh.HTTPConfig = &httpConfig{Authorization: &authorization{Type: "Bearer", Credentials: o.bearerToken}}
	case o.basicUser != "":
		wh.HTTPConfig = &httpConfig{BasicAuth: &basicAuth{Username: o.basicUser, Password: o.basicPassword}}
	}
	c.Receivers[0].WebhookConfigs = []webhookConfig{wh}
	return c, nil
}

// write puts the configuration into dir/alertmanager.yml and returns the
// file's path.
func (c amConfig) write(dir string) (string, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "alertmanager.yml")
	return path, os.WriteFile(path, b, 0o600)
}
