package promtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

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
	cfg := map[string]any{
		"global": map[string]any{
			"scrape_interval":     "1s",
			"scrape_timeout":      "1s",
			"evaluation_interval": "1s",
		},
		"scrape_configs": []any{map[string]any{
			"job_name":       "node",
			"metrics_path":   "/metrics",
			"static_configs": statics,
		}},
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

// startProcess runs prometheus on a free loopback port and registers its
// stop with tb.Cleanup.
func startProcess(tb testing.TB, bin, dir string, cfg scrapeConfig) *testenv.Process {
	tb.Helper()
	cfgPath, err := cfg.write(dir)
	if err != nil {
		tb.Fatalf("promtest: write prometheus config: %v", err)
	}
	return testenv.StartServer(tb, "promtest: prometheus", "/-/ready", func(addr string, attempt int) *exec.Cmd {
		return exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address="+addr,
		)
	})
}
