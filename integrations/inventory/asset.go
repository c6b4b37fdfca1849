package inventory

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Asset is one machine (or appliance) opsbot knows: how to reach it, what
// it is for, who owns it, and its lifecycle dates.
type Asset struct {
	Name    string
	Address string
	// Port and User are how to log in over SSH; zero means ssh's defaults.
	Port int
	User string
	// Env is the environment (prod, staging); approval policy keys on it.
	Env  string
	Role string
	// Groups are sorted and unique.
	Groups []string
	// Team owns it: a Slack user group (S…), a channel (C…), or a handle
	// such as @team-web.
	Team string
	// OnCall names the on-call schedule that answers for it.
	OnCall string
	Labels map[string]string

	OS, OSVersion         string
	Location              string
	Vendor, Model, Serial string
	// Purchased, WarrantyEnd and EndOfLife are days (UTC midnight); zero
	// when unknown.
	Purchased, WarrantyEnd, EndOfLife time.Time
	State                             Lifecycle
	Criticality                       Criticality

	// Source names the source the asset came from (the winner, when
	// several list it).
	Source string
	// Monitored is MonitoredYes when Prometheus scrapes it, MonitoredNo
	// when a Prometheus source is configured and does not, and empty when
	// none is; Instances are the target instances that matched it.
	Monitored string
	Instances []string
}

// Monitored values.
const (
	MonitoredYes = "yes"
	MonitoredNo  = "no"
)

// Lifecycle is where an asset stands in its life.
type Lifecycle string

// The lifecycle states, in order.
const (
	StateOrdered     Lifecycle = "ordered"
	StateInService   Lifecycle = "in_service"
	StateMaintenance Lifecycle = "maintenance"
	StateRetired     Lifecycle = "retired"
)

// Lifecycles lists the states in their order.
func Lifecycles() []Lifecycle {
	return []Lifecycle{StateOrdered, StateInService, StateMaintenance, StateRetired}
}

// Criticality is how much an asset matters when it breaks.
type Criticality string

// The criticalities, least first.
const (
	CriticalityLow      Criticality = "low"
	CriticalityMedium   Criticality = "medium"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

// Criticalities lists them, least first.
func Criticalities() []Criticality {
	return []Criticality{CriticalityLow, CriticalityMedium, CriticalityHigh, CriticalityCritical}
}

// NameRe is what an asset, group or role name must match: no spaces, no
// commas (they separate selector terms), no shell metacharacters.
var NameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$`)

// labelKeyRe is what a label key must match.
var labelKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,62}$`)

// MaxValueLen bounds every text field and label value.
const MaxValueLen = 256

// DateLayout is how dates are written in sources.
const DateLayout = "2006-01-02"

// Fields are the keys of an asset in opsbot's files, CSV headers and
// Ansible opsbot_<field> variables, in the order cards show them.
var Fields = []string{"name", "address", "port", "user", "env", "role", "groups", "team", "oncall", "labels",
	"os", "os_version", "location", "vendor", "model", "serial", "purchased", "warranty_end", "end_of_life", "state", "criticality"}

// Set sets one field from its text, checking it. Groups are separated by
// commas, semicolons or spaces; labels are set one at a time with
// SetLabel.
func (a *Asset) Set(field, value string) error {
	value = strings.TrimSpace(value)
	if len(value) > MaxValueLen {
		return fmt.Errorf("longer than %d characters", MaxValueLen)
	}
	if strings.ContainsAny(value, "\x00\r\n") {
		return fmt.Errorf("contains a line break or NUL")
	}
	var err error
	switch field {
	case "name":
		if value != "" && !NameRe.MatchString(value) {
			return fmt.Errorf("%q is not a name: letters, digits and _.@:- only, starting with a letter or digit", value)
		}
		a.Name = value
	case "address":
		if strings.ContainsAny(value, " ,") {
			return fmt.Errorf("%q is not a host name or IP address", value)
		}
		a.Address = value
	case "port":
		a.Port, err = parsePort(value)
	case "user":
		if strings.ContainsAny(value, " @:") {
			return fmt.Errorf("%q is not a login name", value)
		}
		a.User = value
	case "env":
		a.Env, err = word(value)
	case "role":
		a.Role, err = word(value)
	case "groups":
		for _, g := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			if err := a.AddGroup(g); err != nil {
				return err
			}
		}
	case "team", "oncall", "os", "os_version", "location", "vendor", "model", "serial":
		*a.text(field) = value
	case "purchased":
		a.Purchased, err = parseDate(value)
	case "warranty_end":
		a.WarrantyEnd, err = parseDate(value)
	case "end_of_life":
		a.EndOfLife, err = parseDate(value)
	case "state":
		a.State, err = parseState(value)
	case "criticality":
		a.Criticality, err = parseCriticality(value)
	default:
		return fmt.Errorf("unknown field%s", didYouMean(field, Fields))
	}
	return err
}

// text points at the asset's free-text field named k (the same names
// selectors use), nil when k names no such field; Set writes through it
// and selectors read through it.
func (a *Asset) text(k string) *string {
	switch k {
	case "name":
		return &a.Name
	case "address":
		return &a.Address
	case "env":
		return &a.Env
	case "role":
		return &a.Role
	case "team":
		return &a.Team
	case "oncall":
		return &a.OnCall
	case "os":
		return &a.OS
	case "os_version":
		return &a.OSVersion
	case "location":
		return &a.Location
	case "vendor":
		return &a.Vendor
	case "model":
		return &a.Model
	case "serial":
		return &a.Serial
	case "source":
		return &a.Source
	case "monitored":
		return &a.Monitored
	}
	return nil
}

// AddGroup adds group g, keeping Groups sorted and unique.
func (a *Asset) AddGroup(g string) error {
	if !NameRe.MatchString(g) {
		return fmt.Errorf("%q is not a group name: letters, digits and _.@:- only", g)
	}
	i, found := slices.BinarySearch(a.Groups, g)
	if !found {
		a.Groups = slices.Insert(a.Groups, i, g)
	}
	return nil
}

// SetLabel sets label k. Keys that are fields of their own (env, role, …)
// are refused: the field says it once.
func (a *Asset) SetLabel(k, v string) error {
	if !labelKeyRe.MatchString(k) {
		return fmt.Errorf("%q is not a label key: a letter or _ first, then letters, digits and _.-", k)
	}
	if isField(k) || reservedKey(k) {
		return fmt.Errorf("%s is a field of its own, not a label", k)
	}
	v = strings.TrimSpace(v)
	if len(v) > MaxValueLen || strings.ContainsAny(v, "\x00\r\n") {
		return fmt.Errorf("the value of %s is longer than %d characters or holds a line break", k, MaxValueLen)
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	a.Labels[k] = v
	return nil
}

func isField(k string) bool { return slices.Contains(Fields, k) }

// reservedKey is a selector key that is not a field name.
func reservedKey(k string) bool { return k == "group" || k == "source" || k == "monitored" }

// Check is what an asset must have once all its fields are set.
func (a *Asset) Check() error {
	if a.Name == "" {
		return fmt.Errorf("name: required")
	}
	return nil
}

// Clone returns a deep copy.
func (a Asset) Clone() Asset {
	a.Groups = slices.Clone(a.Groups)
	a.Labels = maps.Clone(a.Labels)
	a.Instances = slices.Clone(a.Instances)
	return a
}

// InGroup reports whether the asset is in group g.
func (a *Asset) InGroup(g string) bool {
	_, ok := slices.BinarySearch(a.Groups, g)
	return ok
}

// Host is the address to reach the asset at: Address, else Name.
func (a *Asset) Host() string {
	if a.Address != "" {
		return a.Address
	}
	return a.Name
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a TCP port (1-65535)", s)
	}
	return n, nil
}

func word(s string) (string, error) {
	if s != "" && !NameRe.MatchString(s) {
		return "", fmt.Errorf("%q: letters, digits and _.@:- only, no spaces", s)
	}
	return s, nil
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD", s)
	}
	return t, nil
}

func parseState(s string) (Lifecycle, error) {
	norm := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(s))
	for _, l := range Lifecycles() {
		if norm == string(l) {
			return l, nil
		}
	}
	if s == "" {
		return "", nil
	}
	return "", fmt.Errorf("%q: use %s", s, joinAny(Lifecycles()))
}

func parseCriticality(s string) (Criticality, error) {
	for _, c := range Criticalities() {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	if s == "" {
		return "", nil
	}
	return "", fmt.Errorf("%q: use %s", s, joinAny(Criticalities()))
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
