// Package actions is opsbot's catalogue of what may run on hosts over SSH:
// named actions as argv templates with typed, allowlisted parameters, their
// risk and approval policy, and the inventory of hosts and groups that
// selectors resolve against. commands/services and commands/change share it.
package actions

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"opsbot/bot"
)

// Config is the `actions` section: the inventory and the catalogue.
type Config struct {
	// Hosts are the machines actions may run on.
	Hosts []HostConfig `yaml:"hosts"`
	// Groups name sets of hosts and the services they run.
	Groups map[string]GroupConfig `yaml:"groups"`
	// Actions are the named command templates, by name ("restart").
	Actions map[string]ActionConfig `yaml:"actions"`
}

// HostConfig is one host of the inventory.
type HostConfig struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	// Port and User override the ssh section's defaults.
	Port int    `yaml:"port"`
	User string `yaml:"user"`
	// Groups the host belongs to; it runs their services.
	Groups []string `yaml:"groups"`
	// Env is the environment (prod, staging); approval policy keys on it.
	Env string `yaml:"env"`
	// Services the host runs beside its groups' services.
	Services []string `yaml:"services"`
	// Labels are matched by selectors such as "role=web,env=prod".
	Labels map[string]string `yaml:"labels"`
}

// GroupConfig is one host group.
type GroupConfig struct {
	// Services are the units the group's hosts run: the allowlist for
	// parameters of type service.
	Services []string `yaml:"services"`
}

// ActionConfig is one action of the catalogue.
type ActionConfig struct {
	// Argv is the command; an element may hold {param} placeholders,
	// replaced by the parameter's checked value within that element only.
	Argv []string `yaml:"argv"`
	// Params declare each placeholder's type and bounds.
	Params map[string]ParamConfig `yaml:"params"`
	// Risk is low, medium or high (default medium).
	Risk string `yaml:"risk"`
	// Role may run the action directly or request it (default operator).
	Role string `yaml:"role"`
	// Approval says per environment whether a change request must be
	// approved first; "*" is the default for environments not listed.
	Approval map[string]bool `yaml:"approval"`
	// Summary is shown in help and change requests.
	Summary string `yaml:"summary"`
}

// ParamConfig types one parameter.
type ParamConfig struct {
	// Type is service, int, enum or word.
	Type string `yaml:"type"`
	// Min and Max bound an int.
	Min *int `yaml:"min"`
	Max *int `yaml:"max"`
	// Values are the choices of an enum.
	Values []string `yaml:"values"`
	// Default is used when the parameter is not given; without one it is
	// required.
	Default string `yaml:"default"`
}

// WordRe is what a value of type word, a service name and an enum value
// must match: no shell metacharacters, no leading dash.
var WordRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}$`)

var (
	nameRe        = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	placeholderRe = regexp.MustCompile(`\{([A-Za-z0-9_]*)\}`)
)

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	_, errs := c.compile()
	return errs
}

func (c Config) compile() (*Catalogue, []error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	cat := &Catalogue{groups: map[string][]string{}, actions: map[string]*Action{}}
	for _, g := range slices.Sorted(maps.Keys(c.Groups)) {
		if !WordRe.MatchString(g) {
			bad("groups.%s: a group name must match %s", g, WordRe)
		}
		for i, s := range c.Groups[g].Services {
			if !WordRe.MatchString(s) {
				bad("groups.%s.services[%d]: %q is not a valid service name (%s)", g, i, s, WordRe)
			}
		}
		cat.groups[g] = append([]string(nil), c.Groups[g].Services...)
	}
	seen := map[string]bool{}
	for i, h := range c.Hosts {
		p := fmt.Sprintf("hosts[%d]", i)
		if !WordRe.MatchString(h.Name) {
			bad("%s.name: %q must match %s", p, h.Name, WordRe)
		} else if seen[h.Name] {
			bad("%s.name: %q is listed twice", p, h.Name)
		} else if _, clash := c.Groups[h.Name]; clash {
			bad("%s.name: %q is also a group name; selectors could not tell them apart", p, h.Name)
		}
		seen[h.Name] = true
		if h.Port < 0 || h.Port > 65535 {
			bad("%s.port: %d is not a TCP port", p, h.Port)
		}
		for _, g := range h.Groups {
			if _, ok := c.Groups[g]; !ok {
				bad("%s.groups: %q is not a group under groups", p, g)
			}
		}
		host := Host{Name: h.Name, Address: h.Address, Port: h.Port, User: h.User, Env: h.Env,
			Groups: append([]string(nil), h.Groups...), Labels: h.Labels}
		svc := map[string]bool{}
		for _, s := range h.Services {
			if !WordRe.MatchString(s) {
				bad("%s.services: %q is not a valid service name", p, s)
			}
			svc[s] = true
		}
		for _, g := range h.Groups {
			for _, s := range c.Groups[g].Services {
				svc[s] = true
			}
		}
		host.Services = slices.Sorted(maps.Keys(svc))
		cat.hosts = append(cat.hosts, host)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Actions)) {
		a, aerrs := compileAction(name, c.Actions[name])
		errs = append(errs, aerrs...)
		cat.actions[name] = a
	}
	return cat, errs
}

func compileAction(name string, ac ActionConfig) (*Action, []error) {
	var errs []error
	p := "actions." + name
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(p+"."+format, a...)) }
	if !nameRe.MatchString(name) {
		errs = append(errs, fmt.Errorf("%s: an action name must match %s", p, nameRe))
	}
	a := &Action{Name: name, Argv: ac.Argv, Approval: ac.Approval, Summary: ac.Summary, Params: map[string]Param{}}
	if len(ac.Argv) == 0 {
		bad("argv: give the command as a list, like [sudo, systemctl, restart, \"{unit}\"]")
	} else if strings.Contains(ac.Argv[0], "{") {
		bad("argv[0]: the program may not be a parameter")
	}
	a.Risk = ac.Risk
	switch ac.Risk {
	case "":
		a.Risk = "medium"
	case "low", "medium", "high":
	default:
		bad("risk: %q: use low, medium or high", ac.Risk)
	}
	a.Role = bot.RoleOperator
	if ac.Role != "" {
		r, err := bot.ParseRole(ac.Role)
		if err != nil {
			bad("role: %v", err)
		}
		a.Role = r
	}
	used := map[string]bool{}
	for i, el := range ac.Argv {
		for _, m := range placeholderRe.FindAllStringSubmatch(el, -1) {
			if _, ok := ac.Params[m[1]]; !ok {
				bad("argv[%d]: placeholder {%s} has no entry under params", i, m[1])
			} else if !used[m[1]] {
				a.order = append(a.order, m[1])
			}
			used[m[1]] = true
		}
	}
	for _, pn := range slices.Sorted(maps.Keys(ac.Params)) {
		pc := ac.Params[pn]
		if !used[pn] {
			bad("params.%s: not used in argv", pn)
		}
		prm, err := compileParam(pn, pc)
		if err != nil {
			bad("params.%s: %v", pn, err)
		}
		a.Params[pn] = prm
	}
	return a, errs
}

func compileParam(name string, pc ParamConfig) (Param, error) {
	prm := Param{Name: name, Type: pc.Type, Values: pc.Values, Default: pc.Default, Min: 0, Max: 1 << 30}
	if pc.Min != nil {
		prm.Min = *pc.Min
	}
	if pc.Max != nil {
		prm.Max = *pc.Max
	}
	switch pc.Type {
	case "service", "word":
	case "int":
		if prm.Min > prm.Max {
			return prm, fmt.Errorf("min %d is above max %d", prm.Min, prm.Max)
		}
	case "enum":
		if len(pc.Values) == 0 {
			return prm, fmt.Errorf("an enum needs values")
		}
		for _, v := range pc.Values {
			if !WordRe.MatchString(v) {
				return prm, fmt.Errorf("enum value %q must match %s", v, WordRe)
			}
		}
	default:
		return prm, fmt.Errorf("type %q: use service, int, enum or word", pc.Type)
	}
	if pc.Default != "" && pc.Type != "service" {
		if _, err := prm.check(pc.Default, nil); err != nil {
			return prm, fmt.Errorf("default: %v", err)
		}
	}
	return prm, nil
}
