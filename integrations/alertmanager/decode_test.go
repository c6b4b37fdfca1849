package alertmanager

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}

// The files under testdata named *.json (except tolerant.json and
// ten_alerts.json) are bodies captured from Alertmanager 0.25 posting to a
// webhook receiver, set up like amtest does.
func TestDecodeGolden(t *testing.T) {
	started := mustTime(t, "2026-11-24T06:40:44.538222814Z")
	web1 := Alert{
		Status:       StatusFiring,
		Labels:       map[string]string{"alertname": "HighCPU", "instance": "web-1:9100", "job": "node", "severity": "critical"},
		Annotations:  map[string]string{"runbook_url": "https://runbooks.example.com/HighCPU", "summary": "CPU above 90% on web-1"},
		StartsAt:     started,
		GeneratorURL: "http://prometheus.example.com:9090/graph?g0.expr=cpu",
		Fingerprint:  "ab906f89a7cb9bdc",
	}
	web2 := Alert{
		Status:      StatusFiring,
		Labels:      map[string]string{"alertname": "HighCPU", "instance": "web-2:9100", "job": "node", "severity": "warning"},
		Annotations: map[string]string{"summary": "CPU above 80% on web-2"},
		StartsAt:    started,
		Fingerprint: "2e784dd042d4c2ea",
	}
	resolvedAt := mustTime(t, "2026-11-24T06:39:51Z")
	web1Resolved := web1
	web1Resolved.Status, web1Resolved.StartsAt, web1Resolved.EndsAt = StatusResolved, resolvedAt, resolvedAt
	web2Resolved := web2
	web2Resolved.Status, web2Resolved.StartsAt, web2Resolved.EndsAt = StatusResolved, resolvedAt, resolvedAt
	group := func(status string, common, commonAnn map[string]string, alerts ...Alert) *Message {
		return &Message{
			Version: "4", GroupKey: `{}:{alertname="HighCPU"}`, Status: status, Receiver: "hook",
			GroupLabels: map[string]string{"alertname": "HighCPU"}, CommonLabels: common, CommonAnnotations: commonAnn,
			ExternalURL: "http://vm:19093", Alerts: alerts,
		}
	}

	tests := []struct {
		file string
		want *Message
	}{
		{"firing.json", group(StatusFiring, map[string]string{"alertname": "HighCPU", "job": "node"}, map[string]string{}, web1, web2)},
		{"partly_resolved.json", group(StatusFiring, map[string]string{"alertname": "HighCPU", "job": "node"}, map[string]string{}, web1Resolved, web2)},
		{"resolved.json", group(StatusResolved, web2.Labels, web2.Annotations, web2Resolved)},
		{"tolerant.json", &Message{
			Version: "4", GroupKey: `{}/{team="db"}:{alertname="DiskFull"}`, Status: StatusResolved, TruncatedAlerts: 3,
			Alerts: []Alert{{
				Status:   StatusResolved,
				Labels:   map[string]string{"alertname": "DiskFull", "mountpoint": "/var"},
				StartsAt: mustTime(t, "2024-05-01T12:00:00Z"),
				EndsAt:   mustTime(t, "2024-05-01T12:30:00.5Z"),
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Decode(f, 0)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	const ok = `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"}}]}`
	tests := []struct {
		name  string
		body  string
		limit int64
		is    error
		words string // part of what the operator reads
	}{
		{"over the limit", ok, int64(len(ok) - 1), ErrTooLarge, "more than"},
		{"empty body", "", 0, ErrInvalid, "body is empty"},
		{"not JSON", "version=4", 0, ErrInvalid, "not valid JSON (at byte 1"},
		{"truncated JSON", ok[:40], 0, ErrInvalid, "not valid JSON"},
		{"trailing garbage", ok + "}", 0, ErrInvalid, "not valid JSON"},
		{"an array", `[` + ok + `]`, 0, ErrInvalid, "is a JSON array; expected a JSON object"},
		{"version 3", strings.Replace(ok, `"4"`, `"3"`, 1), 0, ErrInvalid, `version "3" is not supported; this receiver understands Alertmanager webhook version "4"`},
		{"version as number", strings.Replace(ok, `"4"`, `4`, 1), 0, ErrInvalid, `field "version" is a JSON number; expected a string`},
		{"no version", strings.Replace(ok, `"version":"4",`, ``, 1), 0, ErrInvalid, `"version" is missing`},
		{"no groupKey", strings.Replace(ok, `"groupKey":"g",`, ``, 1), 0, ErrInvalid, `"groupKey" is missing`},
		{"no status", strings.Replace(ok, `"status":"firing","alerts"`, `"alerts"`, 1), 0, ErrInvalid, `"status" is missing; expected "firing" or "resolved"`},
		{"bad status", strings.Replace(ok, `"status":"firing","alerts"`, `"status":"fired","alerts"`, 1), 0, ErrInvalid, `"status" is "fired"; expected "firing" or "resolved"`},
		{"bad alert status", strings.Replace(ok, `{"status":"firing","labels"`, `{"status":"ok","labels"`, 1), 0, ErrInvalid, `alert 1 of 1 (alertname "A"): "status" is "ok"`},
		{"no alerts", `{"version":"4","groupKey":"g","status":"firing","alerts":[]}`, 0, ErrInvalid, `"alerts" is empty`},
		{"alert without labels", `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"firing"}]}`, 0, ErrInvalid, `alert 2 of 2: "labels" is missing or empty`},
		{"label not a string", strings.Replace(ok, `"A"`, `7`, 1), 0, ErrInvalid, `field "alerts.labels" is a JSON number; expected a string`},
		{"bad startsAt", strings.Replace(ok, `"labels"`, `"startsAt":"yesterday","labels"`, 1), 0, ErrInvalid, `"startsAt" is "yesterday", not an RFC 3339 time`},
		{"negative truncatedAlerts", strings.Replace(ok, `"alerts"`, `"truncatedAlerts":-1,"alerts"`, 1), 0, ErrInvalid, `field "truncatedAlerts" is a JSON number -1; expected a whole number that is not negative`},
		{"endsAt out of range", strings.Replace(ok, `"labels"`, `"endsAt":"0000-01-01T00:00:00+01:00","labels"`, 1), 0, ErrInvalid, "outside the years 0 to 9999"},
		{"long version cut short", strings.Replace(ok, `"4"`, `"`+strings.Repeat("9", 500)+`"`, 1), 0, ErrInvalid, `"` + strings.Repeat("9", 64) + `"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(strings.NewReader(tt.body), tt.limit)
			if err == nil {
				t.Fatalf("Decode accepted the body: %+v", m)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.words) {
				t.Errorf("error %q does not say %q", err, tt.words)
			}
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bytes.NewReader(body), int64(len(body))); err != nil {
		t.Errorf("body of exactly the limit refused: %v", err)
	}
	if _, err := Decode(bytes.NewReader(body), int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over the limit: got %v, want ErrTooLarge", err)
	}
	big := bytes.Repeat([]byte(" "), DefaultBodyLimit+1)
	if _, err := Decode(bytes.NewReader(big), 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit 0 should mean DefaultBodyLimit; got %v", err)
	}
}

func TestDecodeReadError(t *testing.T) {
	cause := errors.New("connection reset")
	_, err := Decode(iotest.ErrReader(cause), 0)
	if !errors.Is(err, cause) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v; want the read error, neither ErrInvalid nor ErrTooLarge", err)
	}
}
