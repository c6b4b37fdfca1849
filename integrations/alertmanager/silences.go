package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SilenceState is where a silence is in its life.
type SilenceState string

// The states Alertmanager reports.
const (
	SilencePending SilenceState = "pending" // starts in the future
	SilenceActive  SilenceState = "active"
	SilenceExpired SilenceState = "expired"
)

// SilenceStatus is the part of a silence Alertmanager maintains.
type SilenceStatus struct {
	State SilenceState
}

// Silence mutes the alerts its matchers all match between StartsAt and
// EndsAt. ID, Status and UpdatedAt are filled by Alertmanager.
type Silence struct {
	ID        string
	Matchers  []Matcher
	StartsAt  time.Time
	EndsAt    time.Time
	CreatedBy string
	Comment   string
	Status    SilenceStatus
	UpdatedAt time.Time
}

// apiMatcher and apiSilence are the v2 API's JSON forms.
type apiMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual *bool  `json:"isEqual,omitempty"` // absent means true
}

type apiSilence struct {
	ID        string       `json:"id,omitempty"`
	Matchers  []apiMatcher `json:"matchers"`
	StartsAt  time.Time    `json:"startsAt"`
	EndsAt    time.Time    `json:"endsAt"`
	CreatedBy string       `json:"createdBy"`
	Comment   string       `json:"comment"`
	Status    *struct {
		State SilenceState `json:"state"`
	} `json:"status,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

func toAPIMatchers(ms []Matcher) []apiMatcher {
	out := make([]apiMatcher, len(ms))
	for i, m := range ms {
		eq := m.Type.isEqual()
		out[i] = apiMatcher{Name: m.Name, Value: m.Value, IsRegex: m.Type.isRegex(), IsEqual: &eq}
	}
	return out
}

// silence converts the API form. Matchers are taken as Alertmanager holds
// them, without NewMatcher's checks, so that one silence with a label name
// this package would refuse (newer Alertmanagers allow any UTF-8) does not
// make a whole list fail.
func (s apiSilence) silence() Silence {
	out := Silence{
		ID: s.ID, StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		CreatedBy: s.CreatedBy, Comment: s.Comment, UpdatedAt: s.UpdatedAt,
	}
	if s.Status != nil {
		out.Status.State = s.Status.State
	}
	for _, am := range s.Matchers {
		m := Matcher{Name: am.Name, Type: MatchEqual, Value: am.Value}
		switch eq := am.IsEqual == nil || *am.IsEqual; {
		case am.IsRegex && eq:
			m.Type = MatchRegexp
		case am.IsRegex:
			m.Type = MatchNotRegexp
		case !eq:
			m.Type = MatchNotEqual
		}
		if m.Type.isRegex() {
			m.re, _ = compileAnchored(m.Value) // nil: Matches tries again, then matches nothing
		}
		out.Matchers = append(out.Matchers, m)
	}
	return out
}

// CreateSilence creates s and returns its ID. A zero StartsAt means now;
// EndsAt is required. When s.ID names an existing silence, Alertmanager
// updates that one instead (or, if the change is not possible in place,
// expires it and returns a new ID).
func (c *Client) CreateSilence(ctx context.Context, s Silence) (string, error) {
	if len(s.Matchers) == 0 {
		return "", errors.New("create silence: a silence needs at least one matcher")
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = time.Now()
	}
	if !s.EndsAt.After(s.StartsAt) {
		return "", fmt.Errorf("create silence: it must end after it starts (starts %s, ends %s)",
			s.StartsAt.UTC().Format(time.RFC3339), s.EndsAt.UTC().Format(time.RFC3339))
	}
	in := apiSilence{
		ID: s.ID, Matchers: toAPIMatchers(s.Matchers), StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		CreatedBy: s.CreatedBy, Comment: s.Comment,
	}
	var out struct {
		SilenceID string `json:"silenceID"`
	}
	if err := c.do(ctx, http.MethodPost, "api/v2/silences", nil, in, &out); err != nil {
		return "", fmt.Errorf("create silence %s: %w", Matchers(s.Matchers), err)
	}
	if out.SilenceID == "" {
		return "", fmt.Errorf("create silence %s: Alertmanager answered without a silence ID", Matchers(s.Matchers))
	}
	return out.SilenceID, nil
}

// ListSilences returns the silences, expired ones included, whose
// equality matchers satisfy every matcher in filter (all when filter is
// empty). Alertmanager applies the filter.
func (c *Client) ListSilences(ctx context.Context, filter []Matcher) ([]Silence, error) {
	var out []apiSilence
	if err := c.do(ctx, http.MethodGet, "api/v2/silences", filterQuery(filter), nil, &out); err != nil {
		return nil, fmt.Errorf("list silences: %w", err)
	}
	ss := make([]Silence, len(out))
	for i, a := range out {
		ss[i] = a.silence()
	}
	return ss, nil
}

// GetSilence returns one silence; errors.Is(err, ErrNotFound) when there
// is none with that ID.
func (c *Client) GetSilence(ctx context.Context, id string) (Silence, error) {
	if strings.TrimSpace(id) == "" {
		return Silence{}, errors.New("get silence: the silence ID is empty")
	}
	var out apiSilence
	if err := c.do(ctx, http.MethodGet, "api/v2/silence/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return Silence{}, fmt.Errorf("get silence %s: %w", id, err)
	}
	return out.silence(), nil
}

// ExpireSilence ends a silence now. Expiring an expired silence succeeds;
// errors.Is(err, ErrNotFound) when there is no silence with that ID.
func (c *Client) ExpireSilence(ctx context.Context, id string) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("expire silence: the silence ID is empty")
	}
	err := c.do(ctx, http.MethodDelete, "api/v2/silence/"+url.PathEscape(id), nil, nil, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError &&
		apiErr.Message == "silence not found" {
		// Alertmanager 0.25 answers 500 for a DELETE of an unknown ID.
		apiErr.notFound = true
	}
	if err != nil {
		return fmt.Errorf("expire silence %s: %w", id, err)
	}
	return nil
}

// filterQuery encodes matchers as repeated filter= parameters.
func filterQuery(filter []Matcher) url.Values {
	q := url.Values{}
	for _, m := range filter {
		q.Add("filter", m.String())
	}
	return q
}
