package monitor

import (
	"fmt"

	"opsbot/integrations/alertmanager"
)

// route is a compiled RouteConfig.
type route struct {
	match   alertmanager.Matchers
	channel string
	cont    bool
}

// Routes decides which channels an alert group goes to.
type Routes struct {
	routes []route
	dflt   string
}

// compileRoutes checks and compiles the routes.
func compileRoutes(rs []RouteConfig, defaultChannel string) (*Routes, error) {
	out := &Routes{dflt: defaultChannel}
	for i, r := range rs {
		ms, err := alertmanager.ParseMatchers(r.Match)
		if err != nil {
			return nil, fmt.Errorf("routes[%d].match: %w", i, err)
		}
		if r.Channel == "" {
			return nil, fmt.Errorf("routes[%d].channel: required", i)
		}
		out.routes = append(out.routes, route{match: ms, channel: r.Channel, cont: r.Continue})
	}
	return out, nil
}

// Channels lists the channels for labels, in route order without
// duplicates: the first matching route, further ones while routes say
// continue, and the default channel when none matches.
func (rs *Routes) Channels(labels map[string]string) []string {
	var out []string
	for _, r := range rs.routes {
		if !r.match.Matches(labels) {
			continue
		}
		if !contains(out, r.channel) {
			out = append(out, r.channel)
		}
		if !r.cont {
			return out
		}
	}
	if len(out) == 0 && rs.dflt != "" {
		out = append(out, rs.dflt)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
