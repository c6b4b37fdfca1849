// Package inventory is opsbot's inventory of assets: the asset model, the
// selector syntax every command names targets with, the sources assets
// come from (opsbot's YAML and CSV files, Ansible inventories, Prometheus
// targets, imports, the config), merged by name with a stated precedence,
// and the index in Redis that every replica answers from.
//
// A source that fails to read keeps its last good assets and reports what
// is wrong (file, line, field). A reload builds a whole new inventory and
// swaps it in, locally and in Redis, so no reader sees half of one.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TargetLister lists Prometheus' scrape targets; cmd/opsbot adapts the
// Prometheus client to it.
type TargetLister interface {
	ScrapeTargets(ctx context.Context) ([]Target, error)
}

// Options are what an Inventory works with.
type Options struct {
	// Index is the inventory in Redis; required.
	Index *Index
	// Extra sources come after the configured ones, in precedence order
	// (opsbot gives the imported assets, then actions.hosts).
	Extra []Source
	// Targets, when set, is the Prometheus targets source.
	Targets TargetLister
	Log     *slog.Logger
	// Clock stamps loads (default time.Now).
	Clock func() time.Time
}

// SourceStatus is how a source's last load went.
type SourceStatus struct {
	Name, Kind string
	// Assets is how many assets its last good load gave.
	Assets int
	// Loaded is when it last read well; Tried when it was last read.
	Loaded, Tried time.Time
	// Err is what was wrong at the last try (nil when it read well): its
	// last good assets are the ones in use.
	Err error
}

// Status is the inventory's state on this replica.
type Status struct {
	Sources []SourceStatus
	// Prometheus is nil without the Prometheus source.
	Prometheus *SourceStatus
	Conflicts  []Conflict
	Assets     int
	// Generation is the one last published to Redis, Published when;
	// PublishErr is why the last publication failed (it is retried).
	Generation int64
	Published  time.Time
	PublishErr error
}

// Inventory loads the sources, merges them and keeps the result here and
// in Redis. It is safe for concurrent use.
type Inventory struct {
	cfg     Config
	sources []Source
	index   *Index
	targets TargetLister
	log     *slog.Logger
	now     func() time.Time

	snap atomic.Pointer[Snapshot]

	// reloading lets one reload run at a time; it guards good and
	// promGood, which only a reload reads and writes.
	reloading sync.Mutex
	good      map[string][]Asset
	promGood  []Target
	// mu guards what follows, held only briefly, so Status (and /readyz)
	// never waits for a reload.
	mu         sync.Mutex
	status     map[string]SourceStatus
	promOK     bool
	promStatus SourceStatus
	pubGen     int64
	pubAt      time.Time
	pubErr     error
	prints     map[string]string
	importVer  string
}

// New builds the inventory of cfg's sources, then opts.Extra. Nothing is
// read until Reload.
func New(cfg Config, opts Options) (*Inventory, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("inventory config: %w", errors.Join(errs...))
	}
	if opts.Index == nil {
		return nil, errors.New("inventory: an index is required")
	}
	cfg = cfg.WithDefaults()
	inv := &Inventory{cfg: cfg, index: opts.Index, targets: opts.Targets, log: opts.Log, now: opts.Clock,
		good: map[string][]Asset{}, status: map[string]SourceStatus{}, prints: map[string]string{}}
	if inv.log == nil {
		inv.log = slog.New(slog.DiscardHandler)
	}
	if inv.now == nil {
		inv.now = time.Now
	}
	for i, sc := range cfg.Sources {
		name := sc.sourceName(i)
		switch {
		case sc.File != "":
			inv.sources = append(inv.sources, &Files{SourceName: name, Path: sc.File})
		case sc.Ansible != "":
			inv.sources = append(inv.sources, &Ansible{SourceName: name, Path: sc.Ansible})
		default:
			assets, _ := inlineAssets("", sc.Assets) // Validate checked them
			inv.sources = append(inv.sources, &Static{SourceName: name, SourceKind: "config", Assets: assets})
		}
	}
	inv.sources = append(inv.sources, opts.Extra...)
	seen := map[string]bool{}
	for _, s := range inv.sources {
		if seen[s.Name()] {
			return nil, fmt.Errorf("inventory: two sources are called %s", s.Name())
		}
		seen[s.Name()] = true
	}
	inv.snap.Store(newSnapshot(nil, nil))
	inv.promStatus = SourceStatus{Name: PrometheusSource, Kind: "prometheus"}
	return inv, nil
}

// Index is the inventory in Redis, for queries.
func (inv *Inventory) Index() *Index { return inv.index }

// Snapshot is the inventory as this replica last merged it.
func (inv *Inventory) Snapshot() *Snapshot { return inv.snap.Load() }

// Reload reads every source and Prometheus' targets, merges, swaps the
// result in and publishes it. The error joins what went wrong; the
// sources that failed kept their last good assets.
func (inv *Inventory) Reload(ctx context.Context) error { return inv.reload(ctx, true, true) }

// ReloadFiles is Reload without asking Prometheus (its last targets are
// used).
func (inv *Inventory) ReloadFiles(ctx context.Context) error { return inv.reload(ctx, true, false) }

// ReloadTargets is Reload of Prometheus' targets only.
func (inv *Inventory) ReloadTargets(ctx context.Context) error { return inv.reload(ctx, false, true) }

func (inv *Inventory) reload(ctx context.Context, files, prom bool) error {
	inv.reloading.Lock()
	defer inv.reloading.Unlock()
	var errs []error
	if files {
		prints := inv.fingerprints()
		ver, verErr := inv.index.Imported().Version(ctx)
		inv.mu.Lock()
		inv.prints = prints
		if verErr == nil {
			inv.importVer = ver
		}
		inv.mu.Unlock()
		for _, s := range inv.sources {
			if err := inv.loadSource(ctx, s); err != nil {
				errs = append(errs, fmt.Errorf("source %s: %w", s.Name(), err))
			}
		}
	}
	if prom && inv.targets != nil {
		if err := inv.loadTargets(ctx); err != nil {
			errs = append(errs, fmt.Errorf("source %s: %w", PrometheusSource, err))
		}
	}
	parts := make([]loaded, 0, len(inv.sources))
	for _, s := range inv.sources {
		parts = append(parts, loaded{source: s.Name(), assets: inv.good[s.Name()]})
	}
	assets, conflicts := merge(parts)
	inv.mu.Lock()
	promOK := inv.promOK
	inv.mu.Unlock()
	if promOK {
		assets = complete(assets, inv.promGood, inv.cfg.Prometheus.HostLabel, inv.cfg.Prometheus.Jobs)
	}
	snap := newSnapshot(assets, conflicts)
	prev := inv.snap.Swap(snap)
	if len(conflicts) > 0 && fmt.Sprint(conflicts) != fmt.Sprint(prev.conflicts) { // said once, not at every reload
		inv.log.Info("inventory: names listed by several sources; the first in precedence is used", "conflicts", len(conflicts),
			"first", conflicts[0].Name, "winner", conflicts[0].Winner, "losers", conflicts[0].Losers)
	}
	gen, changed, err := inv.index.Publish(ctx, Publication{Assets: assets, Digest: snap.Digest()})
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.pubErr = err
	if err != nil {
		inv.log.Warn("inventory: publishing to Redis failed; retrying at the next check", "err", err)
		errs = append(errs, fmt.Errorf("publish: %w", err))
	} else {
		inv.pubGen = gen
		if changed {
			inv.pubAt = inv.now()
			inv.log.Info("inventory published", "generation", gen, "assets", len(assets))
		}
	}
	return errors.Join(errs...)
}

func (inv *Inventory) loadSource(ctx context.Context, s Source) error {
	tried := inv.now()
	assets, err := s.Load(ctx)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	st := inv.status[s.Name()]
	st.Name, st.Kind, st.Tried = s.Name(), s.Kind(), tried
	if err != nil {
		st.Err = err
		inv.status[s.Name()] = st
		inv.log.Warn("inventory source not read; its last good assets stay", "source", s.Name(), "problems", err.Error())
		return err
	}
	inv.good[s.Name()] = assets
	st.Err, st.Loaded, st.Assets = nil, st.Tried, len(assets)
	inv.status[s.Name()] = st
	return nil
}

func (inv *Inventory) loadTargets(ctx context.Context) error {
	tried := inv.now()
	ts, err := inv.targets.ScrapeTargets(ctx)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	st := &inv.promStatus
	st.Tried = tried
	if err != nil {
		st.Err = err
		inv.log.Warn("inventory: Prometheus targets not read; the last ones stay", "err", err)
		return err
	}
	inv.promGood, inv.promOK = ts, true
	st.Err, st.Loaded, st.Assets = nil, st.Tried, len(ts)
	return nil
}

// fingerprints of the watched sources, by name.
func (inv *Inventory) fingerprints() map[string]string {
	out := map[string]string{}
	for _, s := range inv.sources {
		if w, ok := s.(Watched); ok {
			fp, err := w.Fingerprint()
			if err != nil {
				fp = "error: " + err.Error()
			}
			out[s.Name()] = fp
		}
	}
	return out
}

// due reports whether a file reload is due: a watched file changed, an
// import was made (on any replica), or the last publication failed.
func (inv *Inventory) due(ctx context.Context) bool {
	prints := inv.fingerprints()
	v, err := inv.index.Imported().Version(ctx)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.pubErr != nil {
		return true
	}
	for name, fp := range prints {
		if inv.prints[name] != fp {
			return true
		}
	}
	return err == nil && v != inv.importVer
}

// Run reloads until ctx ends: at once on each value of reload (SIGHUP),
// when a watched file changes or an import is made (checked every
// watch_interval), and Prometheus' targets every prometheus.interval.
func (inv *Inventory) Run(ctx context.Context, reload <-chan struct{}) error {
	watch := time.NewTicker(inv.cfg.WatchInterval)
	defer watch.Stop()
	var promC <-chan time.Time
	if inv.targets != nil {
		t := time.NewTicker(inv.cfg.Prometheus.Interval)
		defer t.Stop()
		promC = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload:
			inv.log.Info("inventory: reloading on request")
			_ = inv.Reload(ctx)
		case <-watch.C:
			if inv.due(ctx) {
				_ = inv.ReloadFiles(ctx)
			}
		case <-promC:
			_ = inv.ReloadTargets(ctx)
		}
	}
}

// Status is how every source's last load went, here.
func (inv *Inventory) Status() Status {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	snap := inv.snap.Load()
	st := Status{Conflicts: snap.Conflicts(), Assets: snap.Len(), Generation: inv.pubGen, Published: inv.pubAt, PublishErr: inv.pubErr}
	for _, s := range inv.sources {
		ss, ok := inv.status[s.Name()]
		if !ok {
			ss = SourceStatus{Name: s.Name(), Kind: s.Kind()}
		}
		st.Sources = append(st.Sources, ss)
	}
	if inv.targets != nil {
		p := inv.promStatus
		st.Prometheus = &p
	}
	return st
}

// Problems are the sources whose last load failed, for /readyz's detail
// and the log: "" when every source read well.
func (s Status) Problems() []SourceStatus {
	var out []SourceStatus
	for _, ss := range s.Sources {
		if ss.Err != nil {
			out = append(out, ss)
		}
	}
	if s.Prometheus != nil && s.Prometheus.Err != nil {
		out = append(out, *s.Prometheus)
	}
	return slices.Clip(out)
}

// Owner is the team that owns host (by name or address, without case),
// as alert cards show it.
func (inv *Inventory) Owner(host string) (string, bool) {
	a, ok := inv.Snapshot().ByHost(host)
	if !ok || a.Team == "" {
		return "", false
	}
	return a.Team, true
}

// Members lists the assets in group, by name; ok is false when none is.
func (inv *Inventory) Members(group string) ([]string, bool) {
	var out []string
	s := inv.Snapshot()
	for i := range s.assets {
		if s.assets[i].InGroup(group) {
			out = append(out, s.assets[i].Name)
		}
	}
	return out, len(out) > 0
}
