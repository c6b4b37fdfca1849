package asset

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"opsbot/integrations/inventory"
)

// liveTimeout bounds each part of an asset's live context, so a slow
// Prometheus does not hold the card up.
const liveTimeout = 3 * time.Second

// live is what is happening on an asset now.
type live struct {
	// Metrics: known is false without an answer.
	metricsKnown         bool
	up                   float64 // 1 up, 0 down, NaN when no target
	cpu, mem, disk       float64 // fractions, NaN when unknown
	alerts               []firing
	incidents            []IncidentRef // open ones
	changes              []ChangeRef   // pending or running
	check                *CheckResult
	onCall               string
	notes                []string // what could not be asked, for the context line
	incidentsN, changesN int      // how many in all
}

type firing struct{ name, severity string }

// gather asks every configured source about a at once: one Prometheus
// query, and a constant number of Redis round trips for the last check,
// incidents and changes, and who is on call.
func (s *Service) gather(ctx context.Context, a inventory.Asset) *live {
	l := &live{up: math.NaN(), cpu: math.NaN(), mem: math.NaN(), disk: math.NaN()}
	var mu sync.Mutex
	note := func(format string, args ...any) {
		mu.Lock()
		l.notes = append(l.notes, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	run := func(what string, f func(ctx context.Context) error) {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, liveTimeout)
			defer cancel()
			defer s.d.Panics.Recover("asset.live", nil)
			if err := f(ctx); err != nil {
				s.log.Info("asset live context: a part did not answer", "part", what, "asset", a.Name, "err", err)
				note("%s did not answer", what)
			}
		})
	}
	if s.d.Prometheus != nil {
		run("Prometheus", func(ctx context.Context) error { return s.metrics(ctx, a, l, &mu) })
	} else {
		note("Prometheus is not configured, so no metrics or alerts")
	}
	run("the state store", func(ctx context.Context) error {
		rs, err := s.checks.latest(ctx, a.Name, 1)
		if err == nil && len(rs) == 1 {
			mu.Lock()
			l.check = &rs[0]
			mu.Unlock()
		}
		return err
	})
	if s.d.Incidents != nil {
		run("the incident desk", func(ctx context.Context) error {
			incs, err := s.d.Incidents.Naming(ctx, a.Name)
			mu.Lock()
			defer mu.Unlock()
			for _, i := range incs {
				if i.Open {
					l.incidents = append(l.incidents, i)
				}
			}
			l.incidentsN = len(l.incidents)
			return err
		})
	}
	if s.d.Changes != nil {
		run("the change desk", func(ctx context.Context) error {
			chs, err := s.d.Changes.OnHost(ctx, a.Name)
			mu.Lock()
			defer mu.Unlock()
			for _, c := range chs {
				if c.Pending() {
					l.changes = append(l.changes, c)
				}
			}
			l.changesN = len(l.changes)
			return err
		})
	}
	if s.d.OnCall != nil && a.OnCall != "" {
		run("on-call", func(ctx context.Context) error {
			who, err := s.d.OnCall(ctx, a.OnCall)
			mu.Lock()
			l.onCall = who
			mu.Unlock()
			return err
		})
	}
	wg.Wait()
	sort.Strings(l.notes)
	return l
}

// metrics asks Prometheus, in one query, for the asset's up, CPU, memory
// and fullest disk from the node exporter, and its firing alerts.
func (s *Service) metrics(ctx context.Context, a inventory.Asset, l *live, mu *sync.Mutex) error {
	res, _, err := s.d.Prometheus.Query(ctx, liveQuery(a, s.d.NodeJob), time.Time{})
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	l.metricsKnown = true
	for _, smp := range res.Samples {
		v := smp.Value
		switch smp.Labels["opsbot_m"] {
		case "up":
			if math.IsNaN(l.up) || v < l.up {
				l.up = v
			}
		case "cpu":
			l.cpu = v
		case "mem":
			l.mem = v
		case "disk":
			l.disk = v
		case "alert":
			l.alerts = append(l.alerts, firing{smp.Labels["alertname"], smp.Labels["severity"]})
		}
	}
	sort.Slice(l.alerts, func(i, j int) bool { return l.alerts[i].name < l.alerts[j].name })
	return nil
}

// liveQuery is the one PromQL query of a card: each part tagged with
// opsbot_m, joined with or. The instance may be the asset's name or
// address, with a port, or one of the instances the Prometheus source
// matched.
func liveQuery(a inventory.Asset, job string) string {
	hosts := []string{regexp.QuoteMeta(a.Name)}
	if a.Address != "" && a.Address != a.Name {
		hosts = append(hosts, regexp.QuoteMeta(a.Address))
	}
	re := "(" + strings.Join(hosts, "|") + ")(:[0-9]+)?"
	for _, i := range a.Instances {
		re += "|" + regexp.QuoteMeta(i)
	}
	inst := fmt.Sprintf("instance=~%q", re)
	node := fmt.Sprintf("job=%q,%s", job, inst)
	fs := `fstype!~"tmpfs|overlay|squashfs|ramfs"`
	tag := func(expr, m string) string { return fmt.Sprintf(`label_replace(%s, "opsbot_m", %q, "", "")`, expr, m) }
	return strings.Join([]string{
		tag("up{"+node+"}", "up"),
		tag(`1 - avg by (instance) (irate(node_cpu_seconds_total{mode="idle",`+node+`}[1m]))`, "cpu"),
		tag("1 - node_memory_MemAvailable_bytes{"+node+"} / node_memory_MemTotal_bytes{"+node+"}", "mem"),
		tag("max by (instance) (1 - node_filesystem_avail_bytes{"+fs+","+node+"} / node_filesystem_size_bytes{"+fs+","+node+"})", "disk"),
		tag(`ALERTS{alertstate="firing",`+inst+`}`, "alert"),
	}, " or ")
}
