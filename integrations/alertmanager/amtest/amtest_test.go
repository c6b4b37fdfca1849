package amtest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/testenv"
)

func TestStartServesConfigAndStopsOnCleanup(t *testing.T) {
	var s *Server
	t.Run("running", func(t *testing.T) {
		s = Start(t, WebhookURL("http://127.0.0.1:9/hook"), WebhookBearerToken("t0k"), GroupBy("alertname", "env"), RepeatInterval(2*time.Hour))
		client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
		resp, err := client.Get(s.URL() + "/api/v2/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var status struct {
			Cluster struct{ Status string }
			Config  struct{ Original string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
			t.Fatal(err)
		}
		if status.Cluster.Status != "disabled" {
			t.Errorf("cluster status %q, want disabled (gossip off)", status.Cluster.Status)
		}
		for _, want := range []string{"http://127.0.0.1:9/hook", "- env", "repeat_interval: 2h", "group_wait: 1s", "credentials: <secret>"} {
			if !strings.Contains(status.Config.Original, want) {
				t.Errorf("loaded config lacks %q:\n%s", want, status.Config.Original)
			}
		}
	})
	select {
	case <-s.proc.Done():
	default:
		t.Fatal("alertmanager still running after the test's cleanup")
	}
	u, _ := url.Parse(s.URL())
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after cleanup", u.Host)
	}
}

// TestNewAndClose: a server from New is ready until Close, and has exited
// after it.
func TestNewAndClose(t *testing.T) {
	testenv.LookPath(t, packageName, binaries...)
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(s.URL() + "/-/ready")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("not ready: %v %v", res, err)
	}
	res.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.proc.Done():
	default:
		t.Error("alertmanager still runs after Close")
	}
}
