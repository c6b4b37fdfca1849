package inventory

import (
	"fmt"
	"time"
)

// Config is the `inventory` section: where assets come from.
type Config struct {
	// Sources are read in this order, which is their precedence: when two
	// list the same name, the first one's record is used and the other is
	// listed as a conflict (`asset sources`). Assets imported with `asset
	// import` come after them, then actions.hosts.
	Sources []SourceConfig `yaml:"sources"`
	// Prometheus makes the hosts Prometheus scrapes assets, and says of
	// every other asset that it is unmonitored.
	Prometheus PrometheusConfig `yaml:"prometheus"`
	// WatchInterval is how often source files are checked for changes
	// (and imports on other replicas); default 10s. SIGHUP reloads at once.
	WatchInterval time.Duration `yaml:"watch_interval"`
}

// SourceConfig is one source: exactly one of file, ansible or assets.
type SourceConfig struct {
	// Name names it in conflicts and `asset sources` (default: its kind
	// and position, like file-1).
	Name string `yaml:"name"`
	// File is opsbot's own YAML or CSV asset file, or a folder of them.
	File string `yaml:"file"`
	// Ansible is an Ansible inventory (INI or YAML) file or folder.
	Ansible string `yaml:"ansible"`
	// Assets are listed in the config itself.
	Assets []AssetConfig `yaml:"assets"`
}

// AssetConfig is one asset written in the config; the fields are those of
// opsbot's asset files.
type AssetConfig struct {
	Name        string            `yaml:"name"`
	Address     string            `yaml:"address"`
	Port        int               `yaml:"port"`
	User        string            `yaml:"user"`
	Env         string            `yaml:"env"`
	Role        string            `yaml:"role"`
	Groups      []string          `yaml:"groups"`
	Team        string            `yaml:"team"`
	OnCall      string            `yaml:"oncall"`
	Labels      map[string]string `yaml:"labels"`
	OS          string            `yaml:"os"`
	OSVersion   string            `yaml:"os_version"`
	Location    string            `yaml:"location"`
	Vendor      string            `yaml:"vendor"`
	Model       string            `yaml:"model"`
	Serial      string            `yaml:"serial"`
	Purchased   string            `yaml:"purchased"`
	WarrantyEnd string            `yaml:"warranty_end"`
	EndOfLife   string            `yaml:"end_of_life"`
	State       string            `yaml:"state"`
	Criticality string            `yaml:"criticality"`
}

// PrometheusConfig is the Prometheus targets source.
type PrometheusConfig struct {
	// Targets turns the source on or off; left out, it is on when
	// monitor.prometheus is configured.
	Targets *bool `yaml:"targets"`
	// Interval is how often the targets are read (default 1m).
	Interval time.Duration `yaml:"interval"`
	// Jobs are the scrape jobs whose targets are hosts (default [node]);
	// [] counts every job.
	Jobs []string `yaml:"jobs"`
	// HostLabel is the target label holding the host (default instance,
	// whose port is dropped).
	HostLabel string `yaml:"host_label"`
}

// Defaults.
const (
	DefaultWatchInterval      = 10 * time.Second
	DefaultPrometheusInterval = time.Minute
)

// WithDefaults fills in what was left out.
func (c Config) WithDefaults() Config {
	if c.WatchInterval == 0 {
		c.WatchInterval = DefaultWatchInterval
	}
	if c.Prometheus.Interval == 0 {
		c.Prometheus.Interval = DefaultPrometheusInterval
	}
	if c.Prometheus.Jobs == nil {
		c.Prometheus.Jobs = []string{"node"}
	}
	if c.Prometheus.HostLabel == "" {
		c.Prometheus.HostLabel = "instance"
	}
	return c
}

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	names := map[string]bool{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		n := 0
		for _, set := range []bool{s.File != "", s.Ansible != "", len(s.Assets) > 0} {
			if set {
				n++
			}
		}
		if n != 1 {
			bad("%s: give exactly one of file, ansible or assets", p)
		}
		name := s.sourceName(i)
		if !NameRe.MatchString(name) {
			bad("%s.name: %q: letters, digits and _.@:- only", p, name)
		}
		if names[name] || name == ImportSource || name == PrometheusSource || name == "actions" {
			bad("%s.name: %q is taken; give each source its own name", p, name)
		}
		names[name] = true
		if _, err := inlineAssets(p, s.Assets); err != nil {
			errs = append(errs, err...)
		}
	}
	if c.WatchInterval < 0 {
		bad("watch_interval: must not be negative")
	}
	if c.Prometheus.Interval < 0 {
		bad("prometheus.interval: must not be negative")
	}
	return errs
}

// sourceName is the source's name, or its kind and position.
func (s SourceConfig) sourceName(i int) string {
	if s.Name != "" {
		return s.Name
	}
	switch {
	case s.File != "":
		return fmt.Sprintf("file-%d", i+1)
	case s.Ansible != "":
		return fmt.Sprintf("ansible-%d", i+1)
	}
	return fmt.Sprintf("config-%d", i+1)
}

// inlineAssets checks and converts a source's assets; errors name
// "<path>.assets[i].<field>".
func inlineAssets(path string, list []AssetConfig) ([]Asset, []error) {
	var errs []error
	var out []Asset
	seen := map[string]bool{}
	for i, ac := range list {
		p := fmt.Sprintf("%s.assets[%d]", path, i)
		var a Asset
		set := func(field, v string) {
			if v == "" {
				return
			}
			if err := a.Set(field, v); err != nil {
				errs = append(errs, fmt.Errorf("%s.%s: %v", p, field, err))
			}
		}
		set("name", ac.Name)
		set("address", ac.Address)
		if ac.Port != 0 {
			set("port", fmt.Sprint(ac.Port))
		}
		set("user", ac.User)
		set("env", ac.Env)
		set("role", ac.Role)
		for _, g := range ac.Groups {
			if err := a.AddGroup(g); err != nil {
				errs = append(errs, fmt.Errorf("%s.groups: %v", p, err))
			}
		}
		set("team", ac.Team)
		set("oncall", ac.OnCall)
		for k, v := range ac.Labels {
			if err := a.SetLabel(k, v); err != nil {
				errs = append(errs, fmt.Errorf("%s.labels.%s: %v", p, k, err))
			}
		}
		set("os", ac.OS)
		set("os_version", ac.OSVersion)
		set("location", ac.Location)
		set("vendor", ac.Vendor)
		set("model", ac.Model)
		set("serial", ac.Serial)
		set("purchased", ac.Purchased)
		set("warranty_end", ac.WarrantyEnd)
		set("end_of_life", ac.EndOfLife)
		set("state", ac.State)
		set("criticality", ac.Criticality)
		switch {
		case ac.Name == "":
			errs = append(errs, fmt.Errorf("%s.name: required", p))
		case a.Name == "": // said above why the name is no name
		case seen[a.Name]:
			errs = append(errs, fmt.Errorf("%s.name: %s is listed twice", p, a.Name))
		}
		seen[a.Name] = true
		out = append(out, a)
	}
	return out, errs
}
