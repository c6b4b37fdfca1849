package promtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestExporterServesEachHost(t *testing.T) {
	hosts := map[string]*Host{"web-1": newHost("web-1", 2), "db-1": newHost("db-1", 1)}
	hosts["db-1"].SetMemory(1024, 2048)
	hosts["db-1"].SetFilesystem(Filesystem{Device: "/dev/sdb1", Mountpoint: "/var", FSType: "xfs", AvailBytes: 5, SizeBytes: 10})
	srv := httptest.NewServer(exporterHandler(hosts))
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()

	tests := []struct {
		name, query string
		status      int
		want        []string
	}{
		{"db-1", "host=db-1", http.StatusOK, []string{
			"node_memory_MemAvailable_bytes 1024",
			"node_memory_MemTotal_bytes 2048",
			`node_filesystem_avail_bytes{device="/dev/sdb1",fstype="xfs",mountpoint="/var"} 5`,
			`node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}`,
			`node_cpu_seconds_total{cpu="0",mode="idle"}`,
			"node_load15 0.3",
		}},
		{"web-1 has two cpus", "host=web-1", http.StatusOK, []string{`node_cpu_seconds_total{cpu="1",mode="user"}`}},
		{"unknown host", "host=nope", http.StatusNotFound, []string{"unknown host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + "/metrics?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestCPUCollectorAccruesBusyTime(t *testing.T) {
	start := time.Unix(1000, 0)
	c := newCPUCollector(2, start)
	c.setBusy(0.25, start)
	c.add("0", "system", 3, start.Add(10*time.Second))
	c.add("7", "steal", 1, start.Add(10*time.Second))

	got := map[string]float64{}
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		var cpu, mode string
		for _, l := range pb.GetLabel() {
			switch l.GetName() {
			case "cpu":
				cpu = l.GetValue()
			case "mode":
				mode = l.GetValue()
			}
		}
		got[cpu+"/"+mode] = pb.GetCounter().GetValue()
	}
	// Collect ticks with the wall clock, far after start; compare the parts
	// that do not depend on it.
	if got["0/system"] != 3 || got["7/steal"] != 1 || got["1/iowait"] != 0 {
		t.Errorf("manual additions wrong: %v", got)
	}
	for _, cpu := range []string{"0", "1"} {
		user, idle := got[cpu+"/user"], got[cpu+"/idle"]
		if user <= 0 || idle <= 0 {
			t.Fatalf("cpu %s: user %v idle %v, want both > 0", cpu, user, idle)
		}
		if ratio := user / (user + idle); ratio < 0.2499 || ratio > 0.2501 {
			t.Errorf("cpu %s busy ratio %v, want 0.25", cpu, ratio)
		}
	}
}
