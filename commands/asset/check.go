package asset

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"opsbot/bot/blocks"
	"opsbot/integrations/sshexec"
)

// checkScript is what asset check runs on each host: fixed by opsbot (no
// typed text reaches it), POSIX sh, read-only, one "key value" line per
// fact so the answer parses the same on every distribution.
const checkScript = `LC_ALL=C; export LC_ALL
echo "uptime $(cut -d' ' -f1 /proc/uptime 2>/dev/null)"
echo "kernel $(uname -r 2>/dev/null)"
df -P -k -x tmpfs -x devtmpfs -x squashfs -x overlay 2>/dev/null | awk 'NR>1 {print "disk", $6, $5}'
state=$(systemctl is-system-running 2>/dev/null)
case "$state" in
''|offline|unknown) echo "systemd no" ;;
*) echo "systemd $state"; systemctl list-units --state=failed --no-legend --plain 2>/dev/null | awk 'NF {print "failed", $1}' ;;
esac
if [ -f /var/run/reboot-required ]; then echo "reboot yes"; else echo "reboot no"; fi
if [ "$state" != "" ] && [ "$state" != offline ] && command -v timedatectl >/dev/null 2>&1; then
  echo "timesync $(timedatectl show -p NTPSynchronized --value 2>/dev/null)"
elif command -v chronyc >/dev/null 2>&1; then
  if chronyc -n tracking 2>/dev/null | grep -q 'Leap status *: Normal'; then echo "timesync yes"; else echo "timesync no"; fi
else
  echo "timesync unknown"
fi
echo "end"
`

// checkArgv runs checkScript through sh -c.
var checkArgv = []string{"sh", "-c", checkScript}

// diskWarn is the share of a filesystem in use that a check warns about.
const diskWarn = 90

// CheckResult is one host's check.
type CheckResult struct {
	Asset string    `json:"asset"`
	At    time.Time `json:"at"`
	// Err says why the host could not be checked (unreachable, host key,
	// …); the facts below are then empty.
	Err    string        `json:"err,omitempty"`
	Uptime time.Duration `json:"uptime,omitempty"`
	Kernel string        `json:"kernel,omitempty"`
	Disks  []Disk        `json:"disks,omitempty"`
	// Systemd is the state systemd reports (running, degraded), or "" when
	// the host does not run it.
	Systemd  string   `json:"systemd,omitempty"`
	Failed   []string `json:"failed,omitempty"`
	Reboot   bool     `json:"reboot,omitempty"`
	TimeSync string   `json:"timesync,omitempty"` // yes, no or unknown
	// Partial is set when the output ended before "end".
	Partial bool `json:"partial,omitempty"`
}

// Disk is one filesystem's use.
type Disk struct {
	Mount string `json:"mount"`
	Used  int    `json:"used"` // percent
}

// parseCheck reads one host's result from the runner.
func parseCheck(r sshexec.Result, at time.Time) CheckResult {
	c := CheckResult{Asset: r.Target.Name, At: at}
	if r.Err != nil && !errors.Is(r.Err, sshexec.ErrNonZeroExit) {
		c.Err = sshexec.Kind(r.Err) + ": " + r.Err.Error()
		return c
	}
	ended := false
	for _, line := range strings.Split(r.Stdout, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		v = strings.TrimSpace(v)
		switch k {
		case "uptime":
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				c.Uptime = time.Duration(f) * time.Second
			}
		case "kernel":
			c.Kernel = cut(v, 100)
		case "disk":
			m, use, ok := strings.Cut(v, " ")
			if n, err := strconv.Atoi(strings.TrimSuffix(use, "%")); ok && err == nil && len(c.Disks) < 64 {
				c.Disks = append(c.Disks, Disk{Mount: cut(m, 200), Used: n})
			}
		case "systemd":
			if v != "no" {
				c.Systemd = cut(v, 40)
			}
		case "failed":
			if len(c.Failed) < 50 {
				c.Failed = append(c.Failed, cut(v, 200))
			}
		case "reboot":
			c.Reboot = v == "yes"
		case "timesync":
			switch v {
			case "yes", "no":
				c.TimeSync = v
			default:
				c.TimeSync = "unknown"
			}
		case "end":
			ended = true
		}
	}
	if !ended {
		c.Partial = true
		if r.Err != nil {
			c.Err = sshexec.Kind(r.Err) + ": " + r.Err.Error()
		}
	}
	sort.Slice(c.Disks, func(i, j int) bool { return c.Disks[i].Mount < c.Disks[j].Mount })
	return c
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// problems lists what is wrong with the host, empty when nothing is.
func (c CheckResult) problems() []string {
	if c.Err != "" {
		return []string{c.Err}
	}
	var out []string
	for _, d := range c.Disks {
		if d.Used >= diskWarn {
			out = append(out, fmt.Sprintf("%s %d%% full", d.Mount, d.Used))
		}
	}
	if len(c.Failed) > 0 {
		out = append(out, plural(len(c.Failed), "failed unit")+": "+strings.Join(c.Failed[:min(3, len(c.Failed))], ", "))
	}
	if c.Reboot {
		out = append(out, "reboot required")
	}
	if c.TimeSync == "no" {
		out = append(out, "clock not synchronised")
	}
	if c.Partial {
		out = append(out, "the check stopped early")
	}
	return out
}

// icon is the row's status.
func (c CheckResult) icon() string {
	switch {
	case c.Err != "":
		return ":x:"
	case len(c.problems()) > 0:
		return ":warning:"
	}
	return ":white_check_mark:"
}

// summary is one line of plain facts (not escaped: see row).
func (c CheckResult) summaryPlain() string {
	if c.Err != "" {
		return c.Err
	}
	parts := []string{"up " + uptime(c.Uptime)}
	if c.Kernel != "" {
		parts = append(parts, c.Kernel)
	}
	var ds []string
	for _, d := range c.Disks {
		ds = append(ds, fmt.Sprintf("%s %d%%", d.Mount, d.Used))
	}
	if len(ds) > 0 {
		parts = append(parts, "disks "+strings.Join(ds[:min(6, len(ds))], " "))
	}
	switch {
	case c.Systemd == "":
		parts = append(parts, "no systemd")
	case len(c.Failed) == 0:
		parts = append(parts, "no failed units")
	default:
		parts = append(parts, plural(len(c.Failed), "failed unit")+" ("+strings.Join(c.Failed[:min(3, len(c.Failed))], ", ")+")")
	}
	if c.Reboot {
		parts = append(parts, "reboot required")
	} else {
		parts = append(parts, "no reboot needed")
	}
	switch c.TimeSync {
	case "yes":
		parts = append(parts, "time synced")
	case "no":
		parts = append(parts, "time NOT synced")
	default:
		parts = append(parts, "time sync unknown")
	}
	return strings.Join(parts, " · ")
}

// summary is the result as Slack text: its icon and facts, escaped.
func (c CheckResult) summary() string {
	return c.icon() + " " + blocks.EscapeCut(c.text(), 1500)
}

// row is one line of the results table.
func (c CheckResult) row() string {
	return c.icon() + " *" + blocks.EscapeCut(c.Asset, 80) + "* " + blocks.EscapeCut(c.text(), 1500)
}

// text is what is wrong first (when anything is), then the facts.
func (c CheckResult) text() string {
	if p := c.problems(); len(p) > 0 && c.Err == "" {
		return strings.Join(p, ", ") + " — " + c.summaryPlain()
	}
	return c.summaryPlain()
}

func uptime(d time.Duration) string {
	switch {
	case d <= 0:
		return "?"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
