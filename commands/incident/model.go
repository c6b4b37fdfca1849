package incident

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Severity runs from 1 (worst) to 4.
type Severity int

func (s Severity) String() string { return "SEV" + strconv.Itoa(int(s)) }

// ParseSeverity reads sev1..sev4 in any case.
func ParseSeverity(s string) (Severity, error) {
	low := strings.ToLower(strings.TrimSpace(s))
	if len(low) == 4 && strings.HasPrefix(low, "sev") && low[3] >= '1' && low[3] <= '4' {
		return Severity(low[3] - '0'), nil
	}
	return 0, fmt.Errorf("%q is not a severity: use sev1 (worst) to sev4", s)
}

// State is where an incident stands.
type State string

// The states of an incident.
const (
	StateOpen     State = "open"
	StateAcked    State = "acked"
	StateResolved State = "resolved"
)

// Roles people take in an incident.
var Roles = []string{"commander", "comms", "ops"}

// Incident is one incident as stored.
type Incident struct {
	Num         int64
	Title       string
	Severity    Severity
	Description string
	Services    string
	State       State
	Reporter    string
	Created     time.Time
	Opened      time.Time // last (re)opened
	AckedBy     string
	AckedAt     time.Time
	ResolvedBy  string
	ResolvedAt  time.Time
	Summary     string
	Commander   string
	Comms       string
	Ops         string
	Channel     string // where it was opened
	IncChannel  string // its own channel, when made
	Messages    []MessageRef
	Page        string // the page raised for it
	Paged       []string
	// Unreached are those the page's DMs could not reach.
	Unreached  []string
	LastUpdate time.Time
	// pagedBy asked for the page just raised, and why says why each of
	// Unreached was not reached; both are known only where it was raised.
	pagedBy string
	why     map[string]string
}

// MessageRef locates a posted copy of the incident's message.
type MessageRef struct{ Channel, TS string }

// ID is the incident's human id, "INC-42".
func (i *Incident) ID() string { return FormatID(i.Num) }

// FormatID renders an incident number as its id.
func FormatID(n int64) string { return "INC-" + strconv.FormatInt(n, 10) }

// ParseID reads an incident id: "INC-42" in any case, as buttons, forms
// and other domains give it. Where free text may follow the id (note,
// status, resolve, link), commands take only this form, so "1 of 3
// replicas down" is a note, not a note on INC-1.
func ParseID(s string) (int64, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(u, "INC-") {
		return 0, false
	}
	return parseNum(u[len("INC-"):])
}

// parseLooseID also reads "#42" and "42": commands that take nothing but
// the id (ack, reopen, show, timeline, postmortem) or a fixed word after
// it (sev, role) accept them, since no free text can be misread there.
func parseLooseID(s string) (int64, bool) {
	if n, ok := ParseID(s); ok {
		return n, true
	}
	return parseNum(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

func parseNum(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

// Role returns who holds role (commander, comms, ops).
func (i *Incident) Role(role string) string {
	switch role {
	case "commander":
		return i.Commander
	case "comms":
		return i.Comms
	case "ops":
		return i.Ops
	}
	return ""
}

func fromHash(m map[string]string) *Incident {
	ms := func(k string) time.Time {
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	num, _ := strconv.ParseInt(m["num"], 10, 64)
	sev, _ := strconv.Atoi(m["sev"])
	i := &Incident{Num: num, Title: m["title"], Severity: Severity(sev), Description: m["desc"], Services: m["services"],
		State: State(m["state"]), Reporter: m["reporter"], Created: ms("created"), Opened: ms("opened"),
		AckedBy: m["acked_by"], AckedAt: ms("acked_at"), ResolvedBy: m["resolved_by"], ResolvedAt: ms("resolved_at"),
		Summary: m["summary"], Commander: m["commander"], Comms: m["comms"], Ops: m["ops"], Channel: m["channel"],
		IncChannel: m["inc_channel"], Page: m["page"], LastUpdate: ms("last_update")}
	if p := m["paged"]; p != "" {
		i.Paged = strings.Split(p, ",")
	}
	if u := m["unreached"]; u != "" {
		i.Unreached = strings.Split(u, ",")
	}
	for _, r := range strings.Split(m["msgs"], ",") {
		if c, ts, ok := strings.Cut(r, "|"); ok {
			i.Messages = append(i.Messages, MessageRef{c, ts})
		}
	}
	return i
}

// Event is one line of an incident's timeline.
type Event struct {
	At   time.Time
	Who  string // user id, or "opsbot"
	What string // open, ack, resolve, reopen, sev, role, note, status, link, page
	Text string
}
