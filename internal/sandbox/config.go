package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"text/template"
)

// People are the sandbox's users: a name (usable with `as <name>` in the
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

var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{
	"join": strings.Join,
	"q":    func(s string) string { return fmt.Sprintf("%q", s) },
}).Parse(`# opsbot config written by ` + "`opsbot sandbox`" + ` for the servers it started;
# it is removed when the sandbox stops. Every key is one a real config.yaml
# has (config.example.yaml documents them all).

{{if .Redis}}redis:
  addrs: [{{q .Redis}}]              # the sandbox's redis-server
  key_prefix: sandbox
{{else}}# redis: not set, so the console keeps state in an embedded in-memory Redis.
{{end}}
http:
  listen: {{.HTTP}}          # /metrics (Prometheus scrapes it), /hooks/alertmanager

log: {level: warn, format: text}

# Who may do what: type ` + "`as <name>`" + ` in the console to act as someone else.
rbac:
  default_role: viewer
  users:
{{- range .People}}
    {{.ID}}: {{.Role}}{{end}}

oncall:
  people: { {{- range $i, $p := .People}}{{if $i}}, {{end}}{{$p.Name}}: {{$p.ID}}{{end -}} }
  schedules:
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
{{if .SSH}}
# The hosts are sshd on loopback addresses; systemctl and journalctl there
# are the sandbox's shim ({{.Root}}/hosts/bin), which runs demo services.
ssh:
  known_hosts: {{.SSH.KnownHosts}}
  key_file: {{.SSH.KeyFile}}
  user: {{.SSH.User}}
  connect_timeout: 5s
  command_timeout: 30s

actions:
  groups:
{{- range $g, $svcs := .Groups}}
    {{$g}}: {services: [{{join $svcs ", "}}]}{{end}}
  hosts:
{{- range .Hosts}}
    - {name: {{.Name}}, address: {{.IP}}, port: {{.Port}}, groups: [{{.Group}}], env: {{.Env}}, labels: {owner: {{q .Owner}}}}{{end}}
  actions:
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
{{else}}
# ssh, actions: left out, sshd is not installed (apt-get install openssh-server).
{{end}}
{{- if or .AM .Prom}}
monitor:
  webhook: {bearer_token: {{.Token}}}   # what Alertmanager sends
  routes:
    - {match: 'severity="critical"', channel: alerts-critical}
  default_channel: alerts
  alertmanager: {url: {{q .AM}}}
  prometheus: {url: {{q .Prom}}}
  node_job: node
  oncall_schedule: sre
{{- range .MissingMon}}
  # {{.}}{{end}}
{{else}}
# monitor: left out, neither prometheus nor prometheus-alertmanager is installed.
{{end}}`))

// writeConfig renders the config into path (mode 0600: it holds the
// webhook token).
func writeConfig(path string, d configData) error {
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, d); err != nil {
		return fmt.Errorf("render the sandbox config: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write the sandbox config: %w", err)
	}
	return nil
}
