package bot

import (
	"context"
	"net/http"

	"github.com/slack-go/slack"
)

// The domain contract. A domain (incidents, on-call, changes, alerts, …)
// is one package under commands/ whose New(cfg, Deps) returns a value
// implementing whichever of these small interfaces it needs; cmd/opsbot
// mounts every domain through one loop over a list, so adding a domain
// is its own package plus one line there.

// CommandSet offers verbs to the router.
type CommandSet interface {
	Commands() []Command
}

// ActionSet handles button clicks, routed by action_id (prefix "domain.").
type ActionSet interface {
	Actions() []Route
}

// ViewSet handles modal submissions, routed by callback_id.
type ViewSet interface {
	Views() []Route
}

// StepFunc runs one step of the step loop: a piece of work due at a time,
// claimed once across replicas (an escalation, a change window).
type StepFunc = func(ctx context.Context, id, payload string) error

// StepSet handles step kinds of the step loop.
type StepSet interface {
	Steps() map[string]StepFunc
}

// HomeSection is one titled part of a user's App Home.
type HomeSection struct {
	Title  string
	Render func(ctx context.Context, userID string) ([]slack.Block, error)
}

// HomeProvider offers App Home sections.
type HomeProvider interface {
	HomeSections() []HomeSection
}

// HTTPProvider offers HTTP handlers (webhooks) by path, served beside
// /healthz, /readyz and /metrics.
type HTTPProvider interface {
	Handlers() map[string]http.Handler
}

// Describer names the verb groups the domain's commands belong to, with
// the one-line summary help shows for each.
type Describer interface {
	Groups() map[string]string
}

// Starter has work to do once when opsbot starts (before serving),
// such as scheduling the first step of something recurring.
type Starter interface {
	Start(ctx context.Context) error
}

// Runner has background work that runs until ctx ends (a delivery
// worker, a sweep); Run returns when it has stopped.
type Runner interface {
	Run(ctx context.Context) error
}

// Waiter has work in flight at a stop (a run over SSH) that must finish,
// not be cut off; Wait returns when it has.
type Waiter interface {
	Wait()
}

// ReadyDetailer adds a line to /readyz's detail that never makes opsbot
// unready (the inventory's sources: one that did not read keeps its last
// good assets).
type ReadyDetailer interface {
	ReadyDetail(ctx context.Context) string
}
