package promtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"

	"opsbot/integrations/testenv"
)

// scrapeConfig is what the generated prometheus.yml describes.
type scrapeConfig struct {
	exporterAddr string   // the fake exporter, host:port
	downAddr     string   // a closed port, host:port
	hosts        []string // fake hosts served by the exporter
	down         []string // fake hosts whose target is down
	rules        string   // rule file content, may be empty
	targets      []Target // more scrape targets (real exporters)
	alertmanager string   // host:port alerts are sent to, may be empty
}

// write puts prometheus.yml (and rules.yml when there are rules) into dir
// and returns the config file's path.
func (c scrapeConfig) write(dir string) (string, error) {
	type staticConfig struct {
		Targets []string          `yaml:"targets"`
		Labels  map[string]string `yaml:"labels"`
	}
	var statics []staticConfig
	add := func(addr, host string) {
		statics = append(statics, staticConfig{
			Targets: []string{addr},
			// instance names the fake host; __param_host becomes the
			// ?host= query parameter that picks its metrics.
			Labels: map[string]string{"instance": host + ":9100", "__param_host": host},
		})
	}
	for _, h := range c.hosts {
		add(c.exporterAddr, h)
	}
	for _, h := range c.down {
		add(c.downAddr, h)
	}
	var jobs []any
	if len(statics) > 0 {
		jobs = append(jobs, map[string]any{
			"job_name":       "node",
			"metrics_path":   "/metrics",
			"static_configs": statics,
		})
	}
	jobs = append(jobs, targetJobs(c.targets)...)
	cfg := map[string]any{
		"global": map[string]any{
			"scrape_interval":     "1s",
			"scrape_timeout":      "1s",
			"evaluation_interval": "1s",
		},
		"scrape_configs": jobs,
	}
	if c.alertmanager != "" {
		cfg["alerting"] = map[string]any{"alertmanagers": []any{map[string]any{
			"static_configs": []any{map[string]any{"targets": []string{c.alertmanager}}},
		}}}
	}
	if c.rules != "" {
		rules := filepath.Join(dir, "rules.yml")
		if err := os.WriteFile(rules, []byte(c.rules), 0o600); err != nil {
			return "", err
		}
		cfg["rule_files"] = []string{rules}
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "prometheus.yml")
	return path, os.WriteFile(path, b, 0o600)
}

// targetJobs groups the extra targets into one scrape job per job name,
// in the order the names first appear.
func targetJobs(targets []Target) []any {
	type static struct {
		Targets []string          `yaml:"targets"`
		Labels  map[string]string `yaml:"labels,omitempty"`
	}
	var order []string
	byJob := map[string][]static{}
	honor := map[string]bool{}
	for _, t := range targets {
		if _, seen := byJob[t.Job]; !seen {
			order = append(order, t.Job)
		}
		byJob[t.Job] = append(byJob[t.Job], static{Targets: []string{t.Addr}, Labels: t.Labels})
		honor[t.Job] = honor[t.Job] || t.HonorLabels
	}
	jobs := make([]any, 0, len(order))
	for _, name := range order {
		path := "/metrics"
		for _, t := range targets {
			if t.Job == name && t.MetricsPath != "" {
				path = t.MetricsPath
			}
		}
		jobs = append(jobs, map[string]any{
			"job_name":       name,
			"metrics_path":   path,
			"honor_labels":   honor[name],
			"static_configs": byJob[name],
		})
	}
	return jobs
}

// startProcess writes the configuration into dir and runs prometheus on
// a free loopback port.
func startProcess(bin, dir string, cfg scrapeConfig) (*testenv.Process, error) {
	cfgPath, err := cfg.write(dir)
	if err != nil {
		return nil, fmt.Errorf("promtest: write prometheus config: %w", err)
	}
	return testenv.Launch("promtest: prometheus", "/-/ready", func(addr string, attempt int) *exec.Cmd {
		args := []string{
			"--config.file=" + cfgPath,
			"--storage.tsdb.path=" + filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address=" + addr,
			"--web.external-url=http://" + addr, // alerts link here, not to the machine's name
		}
		if cfg.alertmanager != "" {
			// Alerts that fire before Prometheus has found Alertmanager
			// (a few seconds after start) are dropped; they are sent
			// again after this delay, a minute by default.
			args = append(args, "--rules.alert.resend-delay=1s")
		}
		return exec.Command(bin, args...)
	})
}
