package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"opsbot/bot/config"
	"opsbot/bot/httpserver"
	"opsbot/bot/rbac"
	"opsbot/bot/socketmode"
	"opsbot/commands/actions"
	"opsbot/commands/asset"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/commands/monitor"
	"opsbot/commands/oncall"
	"opsbot/commands/runbook"
	"opsbot/commands/services"
	"opsbot/commands/summary"
	"opsbot/integrations/inventory"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/sshexec"
	"opsbot/jobs/scheduler"
)

// Config is the whole of opsbot's configuration; each section belongs to
// the package that uses it. config.example.yaml documents every key.
type Config struct {
	Slack  socketmode.Config `yaml:"slack"`
	Redis  redisstore.Config `yaml:"redis"`
	HTTP   httpserver.Config `yaml:"http"`
	RBAC   rbac.Config       `yaml:"rbac"`
	Limits LimitsConfig      `yaml:"limits"`
	Audit  AuditConfig       `yaml:"audit"`
	Log    LogConfig         `yaml:"log"`

	Incident incident.Config `yaml:"incident"`
	Oncall   oncall.Config   `yaml:"oncall"`

	SSH     sshexec.Config  `yaml:"ssh"`
	Actions actions.Config  `yaml:"actions"`
	Changes change.Config   `yaml:"changes"`
	Service services.Config `yaml:"service"`

	Monitor monitor.Config `yaml:"monitor"`

	Inventory inventory.Config `yaml:"inventory"`
	Asset     asset.Config     `yaml:"asset"`

	// Runbooks are routine work on a schedule; Summaries the health
	// summaries posted on theirs.
	Runbooks  runbook.Config `yaml:"runbooks"`
	Summaries summary.Config `yaml:"summaries"`

	// Jobs overrides the scheduled jobs the domains offer, by name.
	Jobs scheduler.Config `yaml:"jobs"`
}

// LimitsConfig protects opsbot from floods of commands.
type LimitsConfig struct {
	// CommandsPerMinute a single user may send; 0 turns the limit off,
	// leaving it out means 30.
	CommandsPerMinute *int `yaml:"commands_per_minute"`
}

// AuditConfig sizes the audit trail.
type AuditConfig struct {
	// MaxEntries kept in the Redis stream (approximately).
	MaxEntries int64 `yaml:"max_entries"`
}

// LogConfig chooses log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

func (c *Config) applyDefaults() {
	c.Slack = c.Slack.WithDefaults()
	if c.RBAC.DefaultRole == "" {
		c.RBAC.DefaultRole = "viewer"
	}
	if c.Limits.CommandsPerMinute == nil {
		n := 30
		c.Limits.CommandsPerMinute = &n
	}
	if c.Audit.MaxEntries == 0 {
		c.Audit.MaxEntries = 100_000
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = httpserver.DefaultListen
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "json"
	}
}

// validate adds every meaning-level problem to doc's report. forSlack says
// whether Slack tokens are required (run) or optional (console).
func (c *Config) validate(doc *config.Document, forSlack bool) {
	doc.AddErrors("slack", c.Slack.Validate(forSlack), false)
	doc.AddErrors("redis", c.Redis.Validate(), false)
	doc.AddErrors("http", c.HTTP.Validate(), false)
	doc.AddErrors("rbac", c.RBAC.Validate(), false)
	doc.AddErrors("incident", c.Incident.Validate(), false)
	doc.AddErrors("oncall", c.Oncall.Validate(), false)
	doc.AddErrors("actions", c.Actions.Validate(), false)
	doc.AddErrors("changes", c.Changes.Validate(), false)
	doc.AddErrors("service", c.Service.Validate(), false)
	doc.AddErrors("jobs", c.Jobs.Validate(), false)
	doc.AddErrors("summaries", c.Summaries.Validate(), false)
	c.validateRunbooks(doc)
	doc.AddErrors("inventory", c.Inventory.Validate(), false)
	doc.AddErrors("asset", c.Asset.Validate(), false)
	if p := c.Inventory.Prometheus.Targets; p != nil && *p && c.Monitor.Prometheus.URL == "" {
		doc.Problem("inventory.prometheus.targets", "reads the targets of monitor.prometheus, which is not configured")
	}
	if c.sshWanted() {
		doc.AddErrors("ssh", sshErrors(c.SSH.Validate()), false)
		c.checkSSHFiles(doc)
	}
	if c.Monitor.Enabled() {
		doc.AddErrors("monitor", c.Monitor.Validate(), false)
		if s := c.Monitor.OnCallSchedule; s != "" && !c.Oncall.HasTarget(s) {
			doc.Problem("monitor.oncall_schedule", "%q is not an oncall schedule", s)
		}
	}
	for sev, target := range c.Incident.PageTargets() {
		if !c.Oncall.HasTarget(target) {
			doc.Problem("incident.severities."+sev+".page", "%q is neither an oncall schedule nor an escalation policy", target)
		}
	}
	if *c.Limits.CommandsPerMinute < 0 {
		doc.Problem("limits.commands_per_minute", "must not be negative (0 turns the limit off)")
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		doc.Problem("log.level", "%v", err)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		doc.Problem("log.format", "%q: use json or text", c.Log.Format)
	}
	switch {
	case len(c.Redis.Addrs) == 0 && forSlack:
		doc.Problem("redis.addrs", "`opsbot run` needs a Redis: set redis.addrs, e.g. [\"127.0.0.1:6379\"] (only the console can use an embedded one)")
	case len(c.Redis.Addrs) == 0:
		doc.Warn("redis.addrs", "no Redis configured: the console will use an embedded, in-memory Redis")
	}
	if len(c.RBAC.Users) == 0 && len(c.RBAC.Groups) == 0 {
		doc.Warn("rbac", "nobody has a role above %s, so nobody can act; add users or groups", c.RBAC.DefaultRole)
	}
	if c.Slack.Connections > 1 && len(c.Redis.Addrs) == 0 {
		doc.Warn("slack.connections", "several connections need a shared Redis to de-duplicate envelopes")
	}
}

// validateRunbooks checks the runbooks on their own, then against the
// catalogue (when it is valid): an action or target that does not exist
// is refused here, not at the first run. Their names must not be taken by
// another job.
func (c *Config) validateRunbooks(doc *config.Document) {
	doc.AddErrors("runbooks", c.Runbooks.Validate(), false)
	if cat, err := actions.New(c.Actions); err == nil {
		doc.AddErrors("runbooks", c.Runbooks.Check(context.Background(), cat), false)
	}
	taken := map[string]bool{change.SweepJob: true}
	for _, s := range c.Summaries {
		taken[summary.JobName(s.Name)] = true
	}
	for i, rb := range c.Runbooks {
		if taken[rb.Name] {
			doc.Problem(fmt.Sprintf("runbooks[%d].name", i), "%q is the name of another job; choose another", rb.Name)
		}
	}
}

// sshWanted reports whether opsbot runs anything over SSH: hosts in
// actions.hosts, or an ssh section for the inventory's assets.
func (c *Config) sshWanted() bool {
	return len(c.Actions.Hosts) > 0 || c.SSH.KnownHosts != "" || c.SSH.KeyFile != "" || c.SSH.UseAgent
}

// checkSSHFiles refuses what `opsbot run` would refuse when it opens the
// SSH files: a known_hosts or key file that is missing or unreadable.
func (c *Config) checkSSHFiles(doc *config.Document) {
	check := func(key, path, what, advice string) {
		if path == "" {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			reason := "cannot be read"
			if errors.Is(err, fs.ErrNotExist) {
				reason = "does not exist"
			}
			doc.Problem(key, "%s %s %s; %s", what, path, reason, advice)
			return
		}
		f.Close()
	}
	check("ssh.known_hosts", c.SSH.KnownHosts, "the known_hosts file",
		"create it with `ssh-keyscan -H <host> >> FILE` for every host (and check the keys you got), or point at an existing one")
	check("ssh.key_file", c.SSH.KeyFile, "the key file",
		"create a key with `ssh-keygen -t ed25519 -f FILE` and add FILE.pub to the hosts' authorized_keys, or set use_agent: true")
	check("ssh.key_passphrase_file", c.SSH.KeyPassphraseFile, "the passphrase file",
		"write the key's passphrase into it, or use key_passphrase_env")
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q: use debug, info, warn or error", s)
	}
	return l, nil
}

// loadConfig reads and validates a config. The returned document carries
// the report and the secrets to redact from logs.
func loadConfig(loader *config.Loader, name string, src io.Reader, forSlack bool) (*Config, *config.Document) {
	var cfg Config
	doc := loader.Load(name, src, &cfg)
	cfg.applyDefaults()
	if doc.Parsed() {
		cfg.validate(doc, forSlack)
	}
	return &cfg, doc
}

// ConsoleUser is the user id the console acts as by default.
const ConsoleUser = "U0CONSOLE"

// demoConfig is used by `opsbot console` when no config file exists, so a
// newcomer can try opsbot with nothing set up: the console user is admin,
// and a few demo users hold the other roles for --as.
const demoConfig = `
rbac:
  default_role: viewer
  users:
    U0CONSOLE: admin
    U1ALICE: responder
    U2BOB: operator
    U3CAROL: approver
log:
  level: warn
  format: text
oncall:
  people: {console: U0CONSOLE, alice: U1ALICE, bob: U2BOB, carol: U3CAROL}
  schedules:
    - {name: sre, zone: Europe/Berlin, users: [U1ALICE, U2BOB, U0CONSOLE], shift: 1w, handoff: "monday 09:00", start: "2026-01-05", user_group: sre-oncall, channel: C0SRE, escalation_policy: sre-urgent}
    - {name: dba, zone: America/New_York, users: [U3CAROL, U2BOB], shift: 24h, handoff: "10:00", start: "2026-01-05"}
  policies:
    - name: sre-urgent
      levels: [{schedule: sre, after: 5m}, {users: [U3CAROL], after: 10m}]
incident:
  time_zone: Europe/Berlin
  severities:
    sev1: {page: sre-urgent, update_every: 30m}
    sev2: {page: sre, update_every: 1h}
    sev3: {update_every: 4h}
monitor:
  webhook: {bearer_token: demo-webhook-token}
  default_channel: C0ALERTS
  alertmanager: {url: "${ALERTMANAGER_URL:-http://127.0.0.1:9093}"}
  prometheus: {url: "${PROMETHEUS_URL:-http://127.0.0.1:9090}"}
  oncall_schedule: sre
summaries:
  - {schedule: "0 8 * * *", zone: Europe/Berlin, channel: C0OPS}
inventory:
  sources:
    - name: demo
      assets:
        - {name: web-1, address: 10.0.0.11, env: prod, role: web, groups: [web], team: "@team-web", oncall: sre, os: ubuntu, os_version: "24.04",
           location: fra1, vendor: Dell, model: PowerEdge R650, serial: 8XK2Q3, purchased: "2023-04-01", warranty_end: "{{in 30 days}}",
           end_of_life: "2029-04-01", state: in_service, criticality: high, labels: {rack: r12}}
        - {name: web-2, address: 10.0.0.12, env: prod, role: web, groups: [web], team: "@team-web", oncall: sre, os: ubuntu, os_version: "24.04",
           location: fra1, warranty_end: "2028-06-30", state: in_service, criticality: high}
        - {name: web-3, address: 10.1.0.13, env: staging, role: web, groups: [web], team: "@team-web", os: ubuntu, os_version: "24.04",
           location: ams1, state: maintenance, criticality: low}
        - {name: db-1, address: 10.0.0.21, env: prod, role: db, groups: [db], team: "@team-db", oncall: dba, os: debian, os_version: "12",
           location: fra1, vendor: HPE, model: ProLiant DL380, warranty_end: "2027-11-30", end_of_life: "{{in 75 days}}", state: in_service, criticality: critical}
  prometheus: {targets: false}
asset:
  expiring_days: 90
`

// demoDates are the demo estate's dates that must stay near today, so
// `asset expiring` has something to say whenever the console runs.
var demoDates = map[string]int{"{{in 30 days}}": 30, "{{in 75 days}}": 75}

func demo(loader *config.Loader) (*Config, *config.Document) {
	text := demoConfig
	for mark, days := range demoDates {
		text = strings.ReplaceAll(text, mark, time.Now().AddDate(0, 0, days).Format("2006-01-02"))
	}
	return loadConfig(loader, "built-in demo settings", strings.NewReader(text), false)
}
