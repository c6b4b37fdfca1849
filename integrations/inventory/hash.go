package inventory

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fields of an asset's hash in Redis: short names, because there is
// one hash per asset and Redis keeps each field name in every one.
var hashFields = []struct {
	key string
	get func(a *Asset) string
	set func(a *Asset, v string)
}{
	{"n", func(a *Asset) string { return a.Name }, func(a *Asset, v string) { a.Name = v }},
	{"ad", func(a *Asset) string { return a.Address }, func(a *Asset, v string) { a.Address = v }},
	{"p", func(a *Asset) string { return itoaZero(a.Port) }, func(a *Asset, v string) { a.Port, _ = strconv.Atoi(v) }},
	{"u", func(a *Asset) string { return a.User }, func(a *Asset, v string) { a.User = v }},
	{"e", func(a *Asset) string { return a.Env }, func(a *Asset, v string) { a.Env = v }},
	{"r", func(a *Asset) string { return a.Role }, func(a *Asset, v string) { a.Role = v }},
	{"g", func(a *Asset) string { return strings.Join(a.Groups, ",") }, func(a *Asset, v string) { a.Groups = splitList(v) }},
	{"t", func(a *Asset) string { return a.Team }, func(a *Asset, v string) { a.Team = v }},
	{"oc", func(a *Asset) string { return a.OnCall }, func(a *Asset, v string) { a.OnCall = v }},
	{"os", func(a *Asset) string { return a.OS }, func(a *Asset, v string) { a.OS = v }},
	{"ov", func(a *Asset) string { return a.OSVersion }, func(a *Asset, v string) { a.OSVersion = v }},
	{"lo", func(a *Asset) string { return a.Location }, func(a *Asset, v string) { a.Location = v }},
	{"ve", func(a *Asset) string { return a.Vendor }, func(a *Asset, v string) { a.Vendor = v }},
	{"mo", func(a *Asset) string { return a.Model }, func(a *Asset, v string) { a.Model = v }},
	{"se", func(a *Asset) string { return a.Serial }, func(a *Asset, v string) { a.Serial = v }},
	{"pu", func(a *Asset) string { return dateText(a.Purchased) }, func(a *Asset, v string) { a.Purchased, _ = parseDate(v) }},
	{"w", func(a *Asset) string { return dateText(a.WarrantyEnd) }, func(a *Asset, v string) { a.WarrantyEnd, _ = parseDate(v) }},
	{"eol", func(a *Asset) string { return dateText(a.EndOfLife) }, func(a *Asset, v string) { a.EndOfLife, _ = parseDate(v) }},
	{"st", func(a *Asset) string { return string(a.State) }, func(a *Asset, v string) { a.State = Lifecycle(v) }},
	{"c", func(a *Asset) string { return string(a.Criticality) }, func(a *Asset, v string) { a.Criticality = Criticality(v) }},
	{"src", func(a *Asset) string { return a.Source }, func(a *Asset, v string) { a.Source = v }},
	{"m", func(a *Asset) string { return a.Monitored }, func(a *Asset, v string) { a.Monitored = v }},
	{"i", func(a *Asset) string { return strings.Join(a.Instances, ",") }, func(a *Asset, v string) { a.Instances = splitList(v) }},
}

// labelField prefixes a label's field in the hash.
const labelField = "l:"

// toHash is the asset's hash: set fields only, labels as l:<key>.
func toHash(a *Asset) []any {
	kv := make([]any, 0, 2*(len(hashFields)+len(a.Labels)))
	for _, f := range hashFields {
		if v := f.get(a); v != "" {
			kv = append(kv, f.key, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
		kv = append(kv, labelField+k, a.Labels[k])
	}
	return kv
}

// fromHash reads an asset back; ok is false for a missing hash.
func fromHash(h map[string]string) (Asset, bool) {
	var a Asset
	if h["n"] == "" {
		return a, false
	}
	for _, f := range hashFields {
		if v, ok := h[f.key]; ok {
			f.set(&a, v)
		}
	}
	for k, v := range h {
		if lk, ok := strings.CutPrefix(k, labelField); ok {
			if a.Labels == nil {
				a.Labels = map[string]string{}
			}
			a.Labels[lk] = v
		}
	}
	return a, true
}

// indexed are the asset's (key, value) pairs that selectors look up in
// Redis sets: the selector keys but name, and labels as l.<key>.
func indexed(a *Asset) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	for _, k := range SelectorKeys {
		if k == "name" {
			continue
		}
		for _, v := range a.values(k) {
			add(k, v)
		}
	}
	for k, v := range a.Labels {
		add(indexKey(k), v)
	}
	return out
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

func itoaZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}
