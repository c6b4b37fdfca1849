package inventory

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Conflict is a name more than one source lists: the source first in
// precedence wins, the others' records are left out.
type Conflict struct {
	Name   string
	Winner string
	Losers []string
}

// loaded is one source's assets as last read well.
type loaded struct {
	source string
	assets []Asset
}

// merge joins the sources' assets by name: sources come in precedence
// order and the first to list a name wins the whole record. Assets come
// back sorted by name.
func merge(sources []loaded) ([]Asset, []Conflict) {
	byName := map[string]int{}
	var out []Asset
	conflicts := map[string]*Conflict{}
	for _, s := range sources {
		for _, a := range s.assets {
			if i, dup := byName[a.Name]; dup {
				c, ok := conflicts[a.Name]
				if !ok {
					c = &Conflict{Name: a.Name, Winner: out[i].Source}
					conflicts[a.Name] = c
				}
				c.Losers = append(c.Losers, s.source)
				continue
			}
			a := a.Clone()
			a.Source = s.source
			byName[a.Name] = len(out)
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Asset) int { return cmp.Compare(a.Name, b.Name) })
	list := make([]Conflict, 0, len(conflicts))
	for _, n := range slices.Sorted(maps.Keys(conflicts)) {
		list = append(list, *conflicts[n])
	}
	return out, list
}

// Target is one scrape target of Prometheus, as the Prometheus source
// needs it.
type Target struct {
	// Pool is the scrape pool (the job).
	Pool   string
	Labels map[string]string
	// Health is up, down or unknown.
	Health string
}

// complete marks which assets Prometheus scrapes and adds the hosts it
// scrapes that no source lists. hostLabel names the label that holds the
// host (instance, "host:port"); jobs, when given, are the pools that
// count. Matching compares the host, without case, with each asset's
// name and address.
func complete(assets []Asset, targets []Target, hostLabel string, jobs []string) []Asset {
	idx := map[string]int{}
	for i := range assets {
		assets[i].Monitored = MonitoredNo
		assets[i].Instances = nil
		idx[strings.ToLower(assets[i].Name)] = i
		if a := assets[i].Address; a != "" {
			if _, taken := idx[strings.ToLower(a)]; !taken {
				idx[strings.ToLower(a)] = i
			}
		}
	}
	added := false
	for _, t := range targets {
		if len(jobs) > 0 && !slices.Contains(jobs, t.Pool) && !slices.Contains(jobs, t.Labels["job"]) {
			continue
		}
		inst := t.Labels[hostLabel]
		host := hostOf(inst)
		if host == "" {
			continue
		}
		i, ok := idx[strings.ToLower(host)]
		if !ok {
			a, ok := targetAsset(host, t)
			if !ok {
				continue
			}
			i = len(assets)
			assets = append(assets, a)
			idx[strings.ToLower(host)] = i
			added = true
		}
		assets[i].Monitored = MonitoredYes
		if !slices.Contains(assets[i].Instances, inst) {
			assets[i].Instances = append(assets[i].Instances, inst)
			sort.Strings(assets[i].Instances)
		}
	}
	if added {
		slices.SortFunc(assets, func(a, b Asset) int { return cmp.Compare(a.Name, b.Name) })
	}
	return assets
}

// PrometheusSource names the assets only Prometheus knows.
const PrometheusSource = "prometheus"

// targetAsset is the asset for a host only Prometheus knows, with the
// target's labels (env, role and group become fields).
func targetAsset(host string, t Target) (Asset, bool) {
	a := Asset{Source: PrometheusSource}
	if a.Set("name", host) != nil {
		return a, false
	}
	a.Address = host
	for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
		v := t.Labels[k]
		switch {
		case strings.HasPrefix(k, "__") || k == "instance" || k == "job" || v == "":
		case k == "env" || k == "environment":
			_ = a.Set("env", v)
		case k == "role":
			_ = a.Set("role", v)
		case k == "group":
			_ = a.Set("groups", v)
		case k == "team" || k == "location" || k == "os":
			_ = a.Set(k, v)
		default:
			_ = a.SetLabel(k, v)
		}
	}
	return a, true
}

// hostOf is the host part of an instance ("web-1:9100" → "web-1",
// "[::1]:9100" → "::1").
func hostOf(instance string) string {
	s := instance
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s, _, _ = strings.Cut(s, "/")
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end > 0 {
			return s[1:end]
		}
	}
	if strings.Count(s, ":") == 1 {
		s, _, _ = strings.Cut(s, ":")
	}
	return s
}

// digest is a fingerprint of the assets' content: two replicas that read
// the same sources compute the same one, so only a change is published.
func digest(assets []Asset) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for i := range assets {
		_ = enc.Encode(&assets[i]) // maps encode with sorted keys
	}
	return hex.EncodeToString(h.Sum(nil))
}
