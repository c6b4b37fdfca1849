package monitor

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	promapi "opsbot/integrations/prometheus"
)

// threshold marks a value as warning or critical.
type threshold struct{ warn, crit float64 }

// Health thresholds for status: fractions for CPU, memory and disk,
// load per CPU.
const (
	cpuWarn, cpuCrit   = 0.75, 0.90
	memWarn, memCrit   = 0.80, 0.90
	diskWarn, diskCrit = 0.80, 0.90
	loadWarn, loadCrit = 1, 2
)

// healthQueries are the node exporter questions status asks; %s is the
// instance selector.
func healthQueries() map[string]string {
	return map[string]string{
		"up":   `up{%s}`,
		"cpu":  `1 - avg by (instance) (irate(node_cpu_seconds_total{mode="idle",%s}[1m]))`,
		"mem":  `1 - node_memory_MemAvailable_bytes{%[1]s} / node_memory_MemTotal_bytes{%[1]s}`,
		"disk": `max by (instance) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs",%[1]s} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs",%[1]s})`,
		"load": `node_load1{%[1]s} / on (instance) count by (instance) (node_cpu_seconds_total{mode="idle",%[1]s})`,
	}
}

func (s *Service) statusCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needProm(); err != nil {
		return nil, err
	}
	if req.Args.Len() > 1 {
		return nil, req.Command.UsageError("give at most one host or host group")
	}
	target := req.Args.Arg(0)
	sel := fmt.Sprintf("job=%q", s.cfg.NodeJob)
	if target != "" {
		hosts := []string{target}
		if s.d.HostGroups != nil {
			if members, ok := s.d.HostGroups.Members(target); ok {
				hosts = members
			}
		}
		for i, h := range hosts {
			hosts[i] = regexp.QuoteMeta(h)
		}
		sel += fmt.Sprintf(",instance=~%q", "("+strings.Join(hosts, "|")+")(:[0-9]+)?")
	}
	results := map[string]map[string]float64{}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	for name, q := range healthQueries() {
		wg.Go(func() {
			res, _, err := s.d.Prometheus.Query(ctx, fmt.Sprintf(q, sel), time.Time{})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			byInst := map[string]float64{}
			for _, smp := range res.Samples {
				byInst[smp.Labels["instance"]] = smp.Value
			}
			results[name] = byInst
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, s.promError(firstErr)
	}
	if len(results["up"]) == 0 {
		if target != "" {
			return nil, bot.Errorf(bot.CodeNotFound, "Prometheus has no node exporter target (job %q) for %q; `status` lists all hosts", s.cfg.NodeJob, target)
		}
		return nil, bot.Errorf(bot.CodeNotFound, "Prometheus has no node exporter targets (job %q)", s.cfg.NodeJob)
	}
	return bot.Text(formatStatus(target, results)), nil
}

// formatStatus writes one line per host, worst first.
func formatStatus(target string, r map[string]map[string]float64) string {
	cpuLimits, memLimits := threshold{cpuWarn, cpuCrit}, threshold{memWarn, memCrit}
	diskLimits, loadLimits := threshold{diskWarn, diskCrit}, threshold{loadWarn, loadCrit}
	type line struct {
		rank int
		text string
	}
	var lines []line
	down := 0
	for inst, up := range r["up"] {
		host := hostOf(map[string]string{"instance": inst})
		if up == 0 {
			down++
			lines = append(lines, line{3, fmt.Sprintf(":red_circle: *%s* is DOWN (Prometheus cannot scrape %s)", blocks.Escape(host), blocks.Escape(inst))})
			continue
		}
		worst := 0
		var parts []string
		add := func(label string, v float64, ok bool, t threshold, format func(float64) string) {
			if !ok {
				parts = append(parts, label+" ?")
				return
			}
			mark := ""
			switch {
			case v >= t.crit:
				mark, worst = " :red_circle:", max(worst, 2)
			case v >= t.warn:
				mark, worst = " :warning:", max(worst, 1)
			}
			parts = append(parts, label+" "+format(v)+mark)
		}
		pct := func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }
		get := func(name string) (float64, bool) { v, ok := r[name][inst]; return v, ok }
		v, ok := get("cpu")
		add("CPU", v, ok, cpuLimits, pct)
		v, ok = get("mem")
		add("memory", v, ok, memLimits, pct)
		v, ok = get("disk")
		add("disk", v, ok, diskLimits, pct)
		v, ok = get("load")
		add("load", v, ok, loadLimits, func(v float64) string { return promapi.FormatValue(v) + "/CPU" })
		icon := []string{":white_check_mark:", ":warning:", ":red_circle:"}[worst]
		lines = append(lines, line{worst, fmt.Sprintf("%s *%s* · %s", icon, blocks.Escape(host), strings.Join(parts, " · "))})
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].rank != lines[j].rank {
			return lines[i].rank > lines[j].rank
		}
		return lines[i].text < lines[j].text
	})
	var b strings.Builder
	what := "all hosts"
	if target != "" {
		what = target
	}
	fmt.Fprintf(&b, "*Health of %s* — %d up, %d down (warn/critical: CPU %s, memory %s, disk %s, load %s/CPU)\n", blocks.Escape(what), len(r["up"])-down, down,
		limits(cpuLimits, true), limits(memLimits, true), limits(diskLimits, true), limits(loadLimits, false))
	for i, l := range lines {
		if i == maxAlertLines {
			fmt.Fprintf(&b, "… and %s\n", blocks.Count(len(lines)-i, "more host"))
			break
		}
		b.WriteString(l.text + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func limits(t threshold, pct bool) string {
	if pct {
		return fmt.Sprintf("%.0f/%.0f%%", t.warn*100, t.crit*100)
	}
	return fmt.Sprintf("%g/%g", t.warn, t.crit)
}
