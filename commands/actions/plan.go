package actions

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"opsbot/bot"
	"opsbot/integrations/sshexec"
)

// Plan is an action bound to checked values and resolved hosts: exactly
// what will run where.
type Plan struct {
	Action *Action
	// Values holds every parameter's checked value.
	Values map[string]string
	Hosts  []Host
	// Argv is the command after substitution; it is the same on every
	// host because values are checked against every host.
	Argv []string
}

// Bind checks args for action a on hosts and returns the plan. Positional
// values fill parameters in the order argv uses them; named ones
// (lines=50) go by name. Nothing is run: a refused value never reaches SSH.
func (a *Action) Bind(positional []string, named map[string]string, hosts []Host) (*Plan, error) {
	if len(hosts) == 0 {
		return nil, bot.Errorf(bot.CodeInvalid, "no hosts to run %s on", a.Name)
	}
	if len(positional) > len(a.order) {
		return nil, bot.Errorf(bot.CodeInvalid, "%s takes at most %d values: %s", a.Name, len(a.order), a.Usage())
	}
	raw := map[string]string{}
	for i, v := range positional {
		raw[a.order[i]] = v
	}
	for _, k := range slices.Sorted(maps.Keys(named)) {
		if _, ok := a.Params[k]; !ok {
			return nil, bot.Errorf(bot.CodeInvalid, "%s has no parameter %q: %s", a.Name, clip(k, 20), a.Usage())
		}
		if _, dup := raw[k]; dup {
			return nil, bot.Errorf(bot.CodeInvalid, "%s is given twice", k)
		}
		raw[k] = named[k]
	}
	vals := map[string]string{}
	for _, n := range a.order {
		p := a.Params[n]
		v, ok := raw[n]
		if !ok {
			if p.Default == "" {
				return nil, bot.Errorf(bot.CodeInvalid, "%s needs %s: %s", a.Name, n, a.Usage())
			}
			v = p.Default
		}
		cv, err := p.check(v, hosts)
		if err != nil {
			return nil, bot.Errorf(bot.CodeInvalid, "%v", err)
		}
		vals[n] = cv
	}
	argv := make([]string, len(a.Argv))
	for i, el := range a.Argv {
		argv[i] = placeholderRe.ReplaceAllStringFunc(el, func(m string) string { return vals[m[1:len(m)-1]] })
	}
	if err := sshexec.CheckArgv(argv); err != nil {
		return nil, fmt.Errorf("bind %s: %w", a.Name, err)
	}
	return &Plan{Action: a, Values: vals, Hosts: hosts, Argv: argv}, nil
}

// CommandLine is the exact line the remote shell runs on every host.
func (p *Plan) CommandLine() string { return sshexec.CommandLine(p.Argv) }

// Targets are the plan's hosts for sshexec.
func (p *Plan) Targets() []sshexec.Target {
	out := make([]sshexec.Target, len(p.Hosts))
	for i, h := range p.Hosts {
		out[i] = h.Target()
	}
	return out
}

// HostNames lists the plan's hosts.
func (p *Plan) HostNames() []string {
	out := make([]string, len(p.Hosts))
	for i, h := range p.Hosts {
		out[i] = h.Name
	}
	return out
}

// Envs lists the environments the plan touches, sorted.
func (p *Plan) Envs() []string {
	set := map[string]bool{}
	for _, h := range p.Hosts {
		set[h.Env] = true
	}
	out := slices.Sorted(maps.Keys(set))
	sort.Strings(out)
	return out
}

// Describe is "restart unit=nginx" for messages.
func (p *Plan) Describe() string {
	parts := []string{p.Action.Name}
	for _, n := range p.Action.order {
		parts = append(parts, n+"="+p.Values[n])
	}
	return strings.Join(parts, " ")
}
