// Package logging builds opsbot's slog handler, which removes secrets
// (configured tokens, passwords and anything shaped like a Slack token)
// from every message and attribute before it is written.
package logging

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Redacted replaces a secret in logs.
const Redacted = "[REDACTED]"

var tokenShape = regexp.MustCompile(`\b(xox[abposr]|xapp)-[A-Za-z0-9-]{6,}`)

// Redactor removes known secrets from text.
type Redactor struct{ secrets []string }

// NewRedactor removes the given secrets (and Slack-token-shaped text).
func NewRedactor(secrets []string) *Redactor {
	var keep []string
	for _, s := range secrets {
		if len(s) >= 4 {
			keep = append(keep, s)
		}
	}
	return &Redactor{secrets: keep}
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return tokenShape.ReplaceAllString(s, Redacted)
}

// Handler wraps another slog handler with redaction.
type Handler struct {
	next slog.Handler
	r    *Redactor
}

// NewHandler returns a handler that redacts before passing records on.
func NewHandler(next slog.Handler, r *Redactor) *Handler { return &Handler{next: next, r: r} }

// Enabled reports whether the wrapped handler handles level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle redacts the record's message and attributes.
func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, 0, len(attrs))
		for _, g := range attrs {
			out = append(out, h.attr(g))
		}
		return slog.Group(a.Key, out...)
	case slog.KindDuration:
		// "10m0s" reads better than 600000000000 in a JSON log.
		return slog.String(a.Key, v.Duration().String())
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// WithAttrs redacts attributes added ahead of time.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(out), r: h.r}
}

// WithGroup starts a group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), r: h.r}
}
