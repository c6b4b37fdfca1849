package change

import (
	"time"

	"opsbot/commands/actions"
)

// The states of a change request.
const (
	StateRequested       = "requested"
	StateApproved        = "approved"
	StateRejected        = "rejected"
	StateCancelled       = "cancelled"
	StateExpired         = "expired"
	StateRunning         = "running"
	StateSucceeded       = "succeeded"
	StateFailed          = "failed"
	StatePartiallyFailed = "partially_failed"
)

// Change is one change request with everything needed to run it exactly
// as it was approved.
type Change struct {
	ID        string            `json:"id"`
	Action    string            `json:"action"`
	Values    map[string]string `json:"values"`
	Argv      []string          `json:"argv"`
	Selector  string            `json:"selector"`
	Hosts     []actions.Host    `json:"hosts"`
	Risk      string            `json:"risk"`
	Requester string            `json:"requester"`
	Reason    string            `json:"reason"`
	Created   time.Time         `json:"created"`
	Expires   time.Time         `json:"expires"`
	// WindowStart and WindowEnd bound when an approved change may run;
	// zero runs it at once on final approval.
	WindowStart time.Time `json:"window_start,omitzero"`
	WindowEnd   time.Time `json:"window_end,omitzero"`
	// Zone is the time zone the window is shown in.
	Zone string `json:"zone,omitempty"`

	// The fields below change over the request's life; they live in
	// their own hash fields.
	State        string     `json:"-"`
	Channel      string     `json:"-"`
	TS           string     `json:"-"`
	Approvals    []Approval `json:"-"`
	DecidedBy    string     `json:"-"`
	RejectReason string     `json:"-"`
	Result       string     `json:"-"`
	Progress     string     `json:"-"`
	// Approved is when the final approval came (zero before).
	Approved time.Time `json:"-"`
	// Started is when the run began (zero before).
	Started time.Time `json:"-"`
	// Hold names the freeze an approved change waits out, and HoldUntil
	// when that freeze ends; empty when it is not held.
	Hold      string    `json:"-"`
	HoldUntil time.Time `json:"-"`
	// StartError says why the final approval could not start the run
	// (the state store failed), for the sweep that starts it later.
	StartError string `json:"-"`
}

// Approval is one approver's decision.
type Approval struct {
	User string    `json:"user"`
	At   time.Time `json:"at"`
	// Emergency is the reason given for approving during a freeze.
	Emergency string `json:"emergency,omitempty"`
	// Freeze and FrozenUntil name the freeze an emergency approval was
	// given in and when it ends: the approval covers only a run that
	// starts before then.
	Freeze      string    `json:"freeze,omitempty"`
	FrozenUntil time.Time `json:"frozen_until,omitzero"`
}

// Draft is what a request starts from.
type Draft struct {
	Plan      *actions.Plan
	Selector  string
	Requester string
	Reason    string
	// Channel is where it was requested; used when no changes channel
	// is configured.
	Channel string
	// WindowStart and WindowEnd, when set, are when it may run.
	WindowStart, WindowEnd time.Time
}

// open reports whether the change still waits for decisions.
func (c *Change) open() bool { return c.State == StateRequested }

// scheduled reports whether the change has a window.
func (c *Change) scheduled() bool { return !c.WindowStart.IsZero() }

// emergency returns the emergency approval of c, if it has one.
func (c *Change) emergency() (Approval, bool) {
	for _, a := range c.Approvals {
		if a.Emergency != "" {
			return a, true
		}
	}
	return Approval{}, false
}

// approvedBy reports whether user already approved.
func (c *Change) approvedBy(user string) bool {
	for _, a := range c.Approvals {
		if a.User == user {
			return true
		}
	}
	return false
}
