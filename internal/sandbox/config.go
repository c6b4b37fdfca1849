package sandbox

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Person is one of the sandbox's users: a name (usable with `as <name>` in the
// console and in on-call commands), a Slack-like user id and a role.
type Person struct{ Name, ID, Role string }

// People returns the sandbox's users, the console's user first.
func People() []Person {
	return []Person{
		{"you", "U0CONSOLE", "admin"},
		{"alice", "U1ALICE", "responder"},
		{"bob", "U2BOB", "operator"},
		{"carol", "U3CAROL", "approver"},
	}
}

// configData is what the config template needs; empty parts are left out.
type configData struct {
	Root       string
	Redis      string // host:port, or "" for the console's embedded Redis
	HTTP       string // opsbot's /metrics and webhook address
	People     []Person
	SSH        *sshData
	Hosts      []hostData
	Groups     map[string][]string
	Token      string
	AM, Prom   string // base URLs, or "" when not running
	MissingMon []string
}

type sshData struct{ KnownHosts, KeyFile, User string }

type hostData struct {
	hostSpec
	Port int
}

// render writes the config as YAML, with comments for the newcomer
// reading it. (Plain printing rather than text/template keeps the
// template engine out of opsbot's binary.)
func (d configData) render() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# opsbot config written by `opsbot sandbox` for the servers it started;\n" +
		"# it is removed when the sandbox stops. Every key is one a real config.yaml\n" +
		"# has (config.example.yaml documents them all).\n\n")
	if d.Redis != "" {
		p("redis:\n  addrs: [%q]              # the sandbox's redis-server\n  key_prefix: sandbox\n\n", d.Redis)
	} else {
		p("# redis: not set (redis-server is not installed), so the console keeps state\n# in an embedded in-memory Redis.\n\n")
	}
	p("http:\n  listen: %s          # /metrics (Prometheus scrapes it), /hooks/alertmanager\n\n", d.HTTP)
	p("log: {level: warn, format: text}\n\n")
	p("# Who may do what: type `as <name>` in the console to act as someone else.\n")
	p("rbac:\n  default_role: viewer\n  users:\n")
	var people []string
	for _, u := range d.People {
		p("    %s: %s\n", u.ID, u.Role)
		people = append(people, u.Name+": "+u.ID)
	}
	p("\noncall:\n  people: {%s}\n", strings.Join(people, ", "))
	p(`  schedules:
    - {name: sre, zone: UTC, users: [U1ALICE, U2BOB, U0CONSOLE], shift: 1w, handoff: "monday 09:00", start: "2026-01-05", escalation_policy: sre-urgent}
  policies:
    - name: sre-urgent
      levels: [{schedule: sre, after: 5m}, {users: [U3CAROL], after: 10m}]

incident:
  time_zone: UTC
  severities:
    sev1: {page: sre-urgent, update_every: 30m}
    sev2: {page: sre, update_every: 1h}
    sev3: {update_every: 4h}
    sev4: {}

# The daily health summary (a job: jobs list); summary now shows one.
summaries:
  - {schedule: "0 8 * * *", zone: UTC, channel: ops}

`)
	if d.SSH != nil {
		d.renderSSH(p)
	} else {
		p("# ssh, actions: left out, sshd is not installed (apt-get install openssh-server).\n\n")
	}
	if d.AM == "" && d.Prom == "" {
		p("# monitor: left out, neither prometheus nor prometheus-alertmanager is installed.\n")
		return b.String()
	}
	p(`monitor:
  webhook: {bearer_token: %s}   # what Alertmanager sends
  routes:
    - {match: 'severity="critical"', channel: alerts-critical}
  default_channel: alerts
  alertmanager: {url: %q}
  prometheus: {url: %q}
  node_job: node
  oncall_schedule: sre

# The inventory: the hosts above (actions.hosts is one of its sources), and
# what Prometheus scrapes, read every 10s so the demo sees it soon.
inventory:
  prometheus: {targets: true, interval: 10s}
`, d.Token, d.AM, d.Prom)
	for _, m := range d.MissingMon {
		p("  # %s\n", m)
	}
	return b.String()
}

func (d configData) renderSSH(p func(string, ...any)) {
	p(`# The hosts are sshd on loopback addresses; systemctl and journalctl there
# are the sandbox's shim (%s/hosts/bin), which runs demo services.
ssh:
  known_hosts: %s
  key_file: %s
  user: %s
  connect_timeout: 5s
  command_timeout: 30s

actions:
  groups:
`, d.Root, d.SSH.KnownHosts, d.SSH.KeyFile, d.SSH.User)
	for _, g := range slices.Sorted(maps.Keys(d.Groups)) {
		p("    %s: {services: [%s]}\n", g, strings.Join(d.Groups[g], ", "))
	}
	p("  hosts:\n")
	for _, h := range d.Hosts {
		p("    - {name: %s, address: %s, port: %d, groups: [%s], env: %s, labels: {owner: %q}}\n", h.Name, h.IP, h.Port, h.Group, h.Env, h.Owner)
	}
	p(`  actions:
    status:
      argv: [systemctl, status, "{unit}"]
      params: {unit: {type: service}}
      risk: low
      role: viewer
    logs:
      argv: [journalctl, -u, "{unit}", -n, "{lines}"]
      params:
        unit: {type: service}
        lines: {type: int, min: 1, max: 1000, default: "20"}
      risk: low
      role: responder
    restart:
      summary: Restart a service
      argv: [systemctl, restart, "{unit}"]
      params: {unit: {type: service}}
      risk: high
      role: operator
      approval: {prod: true, staging: false}
    stop:
      summary: Stop a service (its ServiceDown alert fires once the change's silence ends)
      argv: [systemctl, stop, "{unit}"]
      params: {unit: {type: service}}
      risk: high
      role: operator
      approval: {"*": true}

changes:
  channel: changes
  approvals: 1                # by an approver other than the requester
  approver_role: approver
  expiry: 1h
  silence_for: 1m             # alerts on a change's hosts are silenced this long

service:
  status_action: status
  logs_action: logs
  restart_action: restart

# Routine work on a schedule, each a job: jobs run app-status runs it now.
runbooks:
  - {name: app-status, schedule: "@hourly", action: status, values: {unit: app}, target: web, channel: ops, owner: "@team-web", approval: none}

`)
}

// writeConfig renders the config into path (mode 0600: it holds the
// webhook token).
func writeConfig(path string, d configData) error {
	if err := os.WriteFile(path, []byte(d.render()), 0o600); err != nil {
		return fmt.Errorf("write the sandbox config: %w", err)
	}
	return nil
}
