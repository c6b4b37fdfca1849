package promtest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Host is one fake machine whose node_exporter metrics a test sets. Its
// methods are safe to call while Prometheus scrapes it.
type Host struct {
	name     string
	registry *prometheus.Registry
	cpu      *cpuCollector

	memAvailable, memTotal prometheus.Gauge
	fsAvail, fsSize        *prometheus.GaugeVec
	load1, load5, load15   prometheus.Gauge
}

// Filesystem is one mounted filesystem as node_exporter reports it.
type Filesystem struct {
	Device, Mountpoint, FSType string
	AvailBytes, SizeBytes      float64
}

// Initial values every fake host starts with.
const (
	defaultMemTotal     = 8 << 30
	defaultMemAvailable = 4 << 30
	defaultFSSize       = 100 << 30
	defaultFSAvail      = 60 << 30
)

func newHost(name string, cpus int) *Host {
	h := &Host{
		name:     name,
		registry: prometheus.NewRegistry(),
		cpu:      newCPUCollector(cpus, time.Now()),
		memAvailable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "node_memory_MemAvailable_bytes", Help: "Memory information field MemAvailable_bytes.",
		}),
		memTotal: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "node_memory_MemTotal_bytes", Help: "Memory information field MemTotal_bytes.",
		}),
		fsAvail: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "node_filesystem_avail_bytes", Help: "Filesystem space available to non-root users in bytes.",
		}, []string{"device", "fstype", "mountpoint"}),
		fsSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "node_filesystem_size_bytes", Help: "Filesystem size in bytes.",
		}, []string{"device", "fstype", "mountpoint"}),
		load1:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "node_load1", Help: "1m load average."}),
		load5:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "node_load5", Help: "5m load average."}),
		load15: prometheus.NewGauge(prometheus.GaugeOpts{Name: "node_load15", Help: "15m load average."}),
	}
	h.registry.MustRegister(h.cpu, h.memAvailable, h.memTotal, h.fsAvail, h.fsSize, h.load1, h.load5, h.load15)
	h.SetMemory(defaultMemAvailable, defaultMemTotal)
	h.SetFilesystem(Filesystem{Device: "/dev/sda1", Mountpoint: "/", FSType: "ext4", AvailBytes: defaultFSAvail, SizeBytes: defaultFSSize})
	h.SetLoad(0.5, 0.4, 0.3)
	return h
}

// Name is the host name; its target is labelled instance="<name>:9100".
func (h *Host) Name() string { return h.name }

// SetMemory sets node_memory_MemAvailable_bytes and node_memory_MemTotal_bytes.
func (h *Host) SetMemory(availableBytes, totalBytes float64) {
	h.memAvailable.Set(availableBytes)
	h.memTotal.Set(totalBytes)
}

// SetFilesystem sets node_filesystem_avail_bytes and node_filesystem_size_bytes
// for one filesystem, adding it when it is new.
func (h *Host) SetFilesystem(fs Filesystem) {
	h.fsAvail.WithLabelValues(fs.Device, fs.FSType, fs.Mountpoint).Set(fs.AvailBytes)
	h.fsSize.WithLabelValues(fs.Device, fs.FSType, fs.Mountpoint).Set(fs.SizeBytes)
}

// SetLoad sets node_load1, node_load5 and node_load15.
func (h *Host) SetLoad(load1, load5, load15 float64) {
	h.load1.Set(load1)
	h.load5.Set(load5)
	h.load15.Set(load15)
}

// AddCPUSeconds advances node_cpu_seconds_total{cpu,mode} by seconds. A cpu
// or mode the host does not have yet is added.
func (h *Host) AddCPUSeconds(cpu, mode string, seconds float64) {
	h.cpu.add(cpu, mode, seconds, time.Now())
}

// SetCPUBusy makes every CPU from now on spend fraction (0..1) of wall time in
// mode "user" and the rest in "idle", so that
// 1 - rate(node_cpu_seconds_total{mode="idle"}[1m]) approaches fraction.
// Hosts start fully idle.
func (h *Host) SetCPUBusy(fraction float64) {
	h.cpu.setBusy(min(max(fraction, 0), 1), time.Now())
}

// cpuCollector exposes node_cpu_seconds_total, accruing idle and user time
// from wall time at the configured busy fraction.
type cpuCollector struct {
	desc *prometheus.Desc

	mu       sync.Mutex
	seconds  map[cpuMode]float64
	cpus     []string
	busy     float64
	lastTick time.Time
}

type cpuMode struct{ cpu, mode string }

func newCPUCollector(cpus int, now time.Time) *cpuCollector {
	c := &cpuCollector{
		desc: prometheus.NewDesc("node_cpu_seconds_total",
			"Seconds the CPUs spent in each mode.", []string{"cpu", "mode"}, nil),
		seconds:  map[cpuMode]float64{},
		lastTick: now,
	}
	for i := range cpus {
		cpu := strconv.Itoa(i)
		c.cpus = append(c.cpus, cpu)
		for _, m := range [...]string{"idle", "iowait", "system", "user"} {
			c.seconds[cpuMode{cpu, m}] = 0
		}
	}
	return c
}

// tick accrues wall time since the last tick; c.mu must be held.
func (c *cpuCollector) tick(now time.Time) {
	elapsed := now.Sub(c.lastTick).Seconds()
	if elapsed <= 0 {
		return
	}
	c.lastTick = now
	for _, cpu := range c.cpus {
		c.seconds[cpuMode{cpu, "user"}] += elapsed * c.busy
		c.seconds[cpuMode{cpu, "idle"}] += elapsed * (1 - c.busy)
	}
}

func (c *cpuCollector) add(cpu, mode string, seconds float64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick(now)
	k := cpuMode{cpu, mode}
	if _, ok := c.seconds[k]; !ok && !slices.Contains(c.cpus, cpu) {
		c.cpus = append(c.cpus, cpu)
	}
	c.seconds[k] += seconds
}

func (c *cpuCollector) setBusy(fraction float64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick(now)
	c.busy = fraction
}

// Describe implements prometheus.Collector.
func (c *cpuCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *cpuCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	c.tick(time.Now())
	keys := make([]cpuMode, 0, len(c.seconds))
	for k := range c.seconds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].cpu != keys[j].cpu {
			return keys[i].cpu < keys[j].cpu
		}
		return keys[i].mode < keys[j].mode
	})
	metrics := make([]prometheus.Metric, 0, len(keys))
	for _, k := range keys {
		metrics = append(metrics, prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, c.seconds[k], k.cpu, k.mode))
	}
	c.mu.Unlock()
	for _, m := range metrics {
		ch <- m
	}
}

// exporterHandler serves each host's metrics at /metrics?host=<name>, the
// way Prometheus asks for them through the __param_host target label.
func exporterHandler(hosts map[string]*Host) http.Handler {
	handlers := make(map[string]http.Handler, len(hosts))
	for name, h := range hosts {
		handlers[name] = promhttp.HandlerFor(h.registry, promhttp.HandlerOpts{})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		hh, ok := handlers[r.URL.Query().Get("host")]
		if !ok {
			http.Error(w, "unknown host", http.StatusNotFound)
			return
		}
		hh.ServeHTTP(w, r)
	})
	return mux
}
