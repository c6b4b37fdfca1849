package prometheus

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/prometheus/promtest"
)

const instanceDownRule = `
groups:
- name: test
  rules:
  - alert: InstanceDown
    expr: up == 0
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} is down"}
`

// TestAgainstRealPrometheus shares one Prometheus between its subtests, as
// a new one takes about five seconds to scrape for the first time.
func TestAgainstRealPrometheus(t *testing.T) {
	s := promtest.Start(t, promtest.WithDownTargets("gone-1"), promtest.WithRules(instanceDownRule))
	s.Host("db-1").SetMemory(1<<30, 8<<30)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{
		`up{instance="gone-1:9100"} == 0`,
		`node_memory_MemAvailable_bytes{instance="db-1:9100"} == 1073741824`,
		`min(count_over_time(up[1m])) >= 5`, // every target has history
		`ALERTS{alertname="InstanceDown",alertstate="firing"}`,
	} {
		if err := s.WaitForSamples(ctx, q); err != nil {
			t.Fatalf("%v\nprometheus log:\n%s", err, s.Logs())
		}
	}
	// A fractional timeout, which Prometheus would refuse if passed as is.
	c := newClient(t, Config{URL: s.URL, Timeout: 10500 * time.Millisecond})

	t.Run("instant query", func(t *testing.T) { testInstantQuery(t, c) })
	t.Run("other result types", func(t *testing.T) { testOtherResultTypes(t, c) })
	t.Run("range query", func(t *testing.T) { testRangeQuery(t, c) })
	t.Run("invalid PromQL", func(t *testing.T) { testInvalidPromQL(t, c) })
	t.Run("targets", func(t *testing.T) { testTargets(t, c) })
	t.Run("alerts", func(t *testing.T) { testAlerts(t, c) })
	t.Run("answer over the byte cap", func(t *testing.T) {
		small := newClient(t, Config{URL: s.URL, MaxResponseBytes: 4 << 10})
		_, _, err := small.Query(context.Background(), `{__name__=~".+"}`, time.Time{})
		var tl *TooLargeError
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), "prometheus at "+s.URL) {
			t.Errorf("every series with a 4 KiB cap: %v, want a TooLargeError naming the server", err)
		}
		if _, _, err := small.Query(context.Background(), `up{instance="db-1:9100"}`, time.Time{}); err != nil {
			t.Errorf("a small answer under the cap: %v", err)
		}
	})
}

func testInstantQuery(t *testing.T, c *Client) {
	tests := []struct {
		name, promql string
		want         []string // "<instance>=<value>" in answer order; nil = any order
		anyOrder     []string
	}{
		{"up of every target", `up`, nil, []string{"db-1:9100=1", "gone-1:9100=0", "web-1:9100=1", "web-2:9100=1"}},
		{"matcher on instance", `up{instance=~"web-1.*"}`, []string{"web-1:9100=1"}, nil},
		{"order kept after sort", `sort(node_memory_MemAvailable_bytes)`, []string{"db-1:9100=1.074e+09", "", ""}, nil},
		{"no data", `up{instance="nowhere"}`, []string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, warns, err := c.Query(context.Background(), tt.promql, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != ResultVector || len(warns) != 0 {
				t.Fatalf("type %s, warnings %v", res.Type, warns)
			}
			var got []string
			for _, s := range res.Samples {
				if s.Labels["job"] != "node" || time.Since(s.T) > time.Minute {
					t.Errorf("sample %+v: want job=node and a recent timestamp", s)
				}
				got = append(got, s.Labels["instance"]+"="+FormatValue(s.Value))
			}
			want := tt.want
			if tt.anyOrder != nil {
				want = tt.anyOrder
				sortStrings(got)
			}
			if len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for i := range want {
				if want[i] != "" && got[i] != want[i] {
					t.Errorf("row %d = %s, want %s (all: %v)", i, got[i], want[i], got)
				}
			}
		})
	}
}

func testOtherResultTypes(t *testing.T, c *Client) {
	at := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	tests := []struct {
		promql string
		check  func(Result) bool
	}{
		{`scalar(sum(up))`, func(r Result) bool {
			return r.Type == ResultScalar && len(r.Samples) == 1 && r.Samples[0].Value == 3 && r.T.Equal(at)
		}},
		{`"hello"`, func(r Result) bool { return r.Type == ResultString && r.Text == "hello" && r.T.Equal(at) }},
		{`up{instance="web-1:9100"}[1m]`, func(r Result) bool {
			return r.Type == ResultMatrix && len(r.Series) == 1 && len(r.Series[0].Points) >= 2 &&
				r.Series[0].Points[0].V == 1 && r.Series[0].Labels["__name__"] == "up"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.promql, func(t *testing.T) {
			res, _, err := c.Query(context.Background(), tt.promql, at)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(res) {
				t.Errorf("unexpected result %+v", res)
			}
		})
	}
}

func testRangeQuery(t *testing.T, c *Client) {
	end := time.Now()
	series, warns, err := c.QueryRange(context.Background(), `up`, end.Add(-10*time.Second), end, time.Second)
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v, warnings %v", err, warns)
	}
	if len(series) != 4 {
		t.Fatalf("got %d series, want 4: %+v", len(series), series)
	}
	for _, s := range series {
		want := 1.0
		if s.Labels["instance"] == "gone-1:9100" {
			want = 0
		}
		if len(s.Points) < 3 {
			t.Errorf("%s: only %d points", SeriesName(s.Labels), len(s.Points))
		}
		for i, p := range s.Points {
			if p.V != want || (i > 0 && p.T.Sub(s.Points[i-1].T) != time.Second) {
				t.Errorf("%s: point %d = %+v, want value %v one second after the last", SeriesName(s.Labels), i, p, want)
			}
		}
	}
}

func testInvalidPromQL(t *testing.T, c *Client) {
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"instant", func() error {
			_, _, err := c.Query(context.Background(), `foo bar`, time.Time{})
			return err
		}, `parse error: unexpected identifier "bar"`},
		{"range", func() error {
			_, _, err := c.QueryRange(context.Background(), `sum(up`, time.Now().Add(-time.Minute), time.Now(), time.Second)
			return err
		}, "parse error"},
		{"execution", func() error {
			_, _, err := c.Query(context.Background(), `up + on(job) up`, time.Time{})
			return err
		}, "many-to-many matching not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want a *QueryError", err)
			}
			if !strings.Contains(qe.Msg, tt.want) || strings.HasPrefix(qe.Msg, "invalid parameter") {
				t.Errorf("Msg = %q, want Prometheus' words containing %q", qe.Msg, tt.want)
			}
		})
	}
}

func testTargets(t *testing.T, c *Client) {
	targets, err := c.Targets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range targets {
		got = append(got, tg.Labels["instance"]+" "+tg.Health)
		if tg.Pool != "node" || tg.Labels["job"] != "node" || tg.LastScrape.IsZero() {
			t.Errorf("target %+v: want pool and job node, scraped", tg)
		}
		host := strings.TrimSuffix(tg.Labels["instance"], ":9100")
		if !strings.Contains(tg.ScrapeURL, "host="+host) {
			t.Errorf("target %s scrape URL %s lacks host=%s", tg.Labels["instance"], tg.ScrapeURL, host)
		}
		switch {
		case tg.Health == "down" && !strings.Contains(tg.LastError, "connection refused"):
			t.Errorf("down target %s: last error %q", tg.Labels["instance"], tg.LastError)
		case tg.Health == "up" && tg.LastError != "":
			t.Errorf("up target %s: last error %q", tg.Labels["instance"], tg.LastError)
		}
	}
	want := "db-1:9100 up,gone-1:9100 down,web-1:9100 up,web-2:9100 up"
	if strings.Join(got, ",") != want {
		t.Errorf("targets = %v, want %s", got, want)
	}
}

func testAlerts(t *testing.T, c *Client) {
	alerts, err := c.Alerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1: %+v", len(alerts), alerts)
	}
	a := alerts[0]
	if a.State != "firing" || a.Labels["alertname"] != "InstanceDown" || a.Labels["instance"] != "gone-1:9100" ||
		a.Labels["severity"] != "page" || a.Annotations["summary"] != "gone-1:9100 is down" ||
		a.Value != "0e+00" || a.ActiveAt.IsZero() {
		t.Errorf("alert = %+v", a)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
