package alertmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"
)

// DefaultBodyLimit is the body size Decode allows when given a limit <= 0.
// A notification for a few hundred alerts stays well below it.
const DefaultBodyLimit = 1 << 20

// Errors Decode wraps, so that an HTTP handler can choose its answer with
// errors.Is: ErrTooLarge → 413, ErrInvalid → 400, anything else is a failure
// to read the body.
var (
	ErrTooLarge = errors.New("webhook body too large")
	ErrInvalid  = errors.New("not a valid Alertmanager webhook")
)

// wireMessage and wireAlert are what arrives; times stay strings until
// Decode parses them, so that a bad one is reported by its field. (No
// embedding: it would put Go type names into the field paths of errors.)
type wireMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []wireAlert       `json:"alerts"`
}

type wireAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Decode reads one webhook notification of at most limit bytes from r
// (limit <= 0 means DefaultBodyLimit) and checks it. It is tolerant of what
// Alertmanager may add or leave out — unknown fields are ignored, optional
// ones may be missing — and refuses what cannot be an Alertmanager
// notification: a body over the limit (ErrTooLarge), invalid JSON, a
// version other than "4", no groupKey, no alerts, an alert without labels,
// or a status other than "firing" or "resolved" (all ErrInvalid). Times are
// returned in UTC.
func Decode(r io.Reader, limit int64) (*Message, error) {
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read webhook body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	var w wireMessage
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, describeJSONError(body, err))
	}
	m, err := w.check()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return m, nil
}

// check validates the wire form and converts it to a Message.
func (w *wireMessage) check() (*Message, error) {
	m := Message{
		Version: w.Version, GroupKey: w.GroupKey, TruncatedAlerts: w.TruncatedAlerts,
		Status: w.Status, Receiver: w.Receiver, GroupLabels: w.GroupLabels,
		CommonLabels: w.CommonLabels, CommonAnnotations: w.CommonAnnotations, ExternalURL: w.ExternalURL,
	}
	switch {
	case m.Version == "":
		return nil, fmt.Errorf(`"version" is missing; expected %q`, WebhookVersion)
	case m.Version != WebhookVersion:
		return nil, fmt.Errorf("version %s is not supported; this receiver understands Alertmanager webhook version %q", short(m.Version), WebhookVersion)
	case m.GroupKey == "":
		return nil, errors.New(`"groupKey" is missing`)
	}
	if err := checkStatus(m.Status); err != nil {
		return nil, err
	}
	if len(w.Alerts) == 0 {
		return nil, errors.New(`"alerts" is empty; a notification carries at least one alert`)
	}
	m.Alerts = make([]Alert, len(w.Alerts))
	for i := range w.Alerts {
		a, err := w.Alerts[i].check()
		if err != nil {
			return nil, fmt.Errorf("alert %d of %d%s: %w", i+1, len(w.Alerts), alertName(w.Alerts[i].Labels), err)
		}
		m.Alerts[i] = a
	}
	return &m, nil
}

func (w *wireAlert) check() (Alert, error) {
	a := Alert{
		Status: w.Status, Labels: w.Labels, Annotations: w.Annotations,
		GeneratorURL: w.GeneratorURL, Fingerprint: w.Fingerprint,
	}
	if len(a.Labels) == 0 {
		return Alert{}, errors.New(`"labels" is missing or empty; every alert has labels`)
	}
	if err := checkStatus(a.Status); err != nil {
		return Alert{}, err
	}
	var err error
	if a.StartsAt, err = parseTime("startsAt", w.StartsAt); err != nil {
		return Alert{}, err
	}
	if a.EndsAt, err = parseTime("endsAt", w.EndsAt); err != nil {
		return Alert{}, err
	}
	return a, nil
}

func checkStatus(s string) error {
	switch s {
	case StatusFiring, StatusResolved:
		return nil
	case "":
		return fmt.Errorf(`"status" is missing; expected %q or %q`, StatusFiring, StatusResolved)
	}
	return fmt.Errorf(`"status" is %s; expected %q or %q`, short(s), StatusFiring, StatusResolved)
}

// parseTime reads an RFC 3339 time; empty means the zero time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is %s, not an RFC 3339 time like 2024-05-01T12:00:00Z", field, short(s))
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is %s, outside the years 0 to 9999", field, short(s))
	}
	return t, nil
}

// alertName names an alert in an error message by its alertname label.
func alertName(labels map[string]string) string {
	if n, ok := labels["alertname"]; ok {
		return " (alertname " + short(n) + ")"
	}
	return ""
}

// describeJSONError turns a decoding error into words about the body.
func describeJSONError(body []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(trimSpace(body)) == 0:
		return "the body is empty; expected a JSON object"
	case errors.As(err, &syntax):
		return fmt.Sprintf("the body is not valid JSON (at byte %d: %v)", syntax.Offset, err)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("the body is a JSON %s; expected a JSON object", typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q is a JSON %s; expected %s", typ.Field, typ.Value, jsonKind(typ.Type))
	}
	return "the body is not valid JSON: " + err.Error()
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number that is not negative"
	}
	return t.String()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// short quotes s for an error message, cut to a readable length.
func short(s string) string {
	const maxLen = 64
	if len(s) <= maxLen {
		return fmt.Sprintf("%q", s)
	}
	cut := maxLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return fmt.Sprintf("%q…", s[:cut])
}
