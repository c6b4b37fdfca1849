package monitor

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"opsbot/integrations/alertmanager"
)

// Webhook returns the handler for POST /hooks/alertmanager. It answers 2xx
// only after the alert group is stored in Redis, so Alertmanager retries
// what opsbot did not take; posting to chat happens afterwards in Run.
func (s *Service) Webhook() http.Handler {
	return http.HandlerFunc(s.serveWebhook)
}

func (s *Service) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.webhookDone(w, r, http.StatusMethodNotAllowed, "method", nil)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="opsbot"`)
		s.webhookDone(w, r, http.StatusUnauthorized, "unauthorized", nil)
		return
	}
	msg, err := alertmanager.Decode(r.Body, s.cfg.Webhook.MaxBodyBytes)
	switch {
	case errors.Is(err, alertmanager.ErrTooLarge):
		s.webhookDone(w, r, http.StatusRequestEntityTooLarge, "too_large", err)
		return
	case err != nil:
		s.webhookDone(w, r, http.StatusBadRequest, "invalid", err)
		return
	}
	labels := make(map[string]string, len(msg.CommonLabels)+len(msg.GroupLabels))
	for k, v := range msg.CommonLabels {
		labels[k] = v
	}
	for k, v := range msg.GroupLabels {
		labels[k] = v
	}
	channels := s.routes.Channels(labels)
	if len(channels) == 0 {
		s.log.Warn("alert group matches no route and there is no default channel", "group_key", msg.GroupKey)
		s.webhookDone(w, r, http.StatusOK, "unrouted", nil)
		return
	}
	if err := s.st.ingest(r.Context(), msg, channels); err != nil {
		s.webhookDone(w, r, http.StatusServiceUnavailable, "store_error", err)
		return
	}
	s.metrics.alerts.Add(float64(len(msg.Alerts)))
	s.webhookDone(w, r, http.StatusOK, "ok", nil)
	s.notify()
}

// webhookDone answers, counts and (for failures) logs a webhook request.
// Headers are never logged: they carry the credentials.
func (s *Service) webhookDone(w http.ResponseWriter, r *http.Request, code int, result string, err error) {
	s.metrics.webhooks.WithLabelValues(result).Inc()
	if code >= 400 {
		attrs := []any{"result", result, "status", code, "remote", r.RemoteAddr}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		s.log.Warn("alertmanager webhook refused", attrs...)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(http.StatusText(code) + "\n"))
}

// authorized checks the bearer token or basic auth in constant time.
func (s *Service) authorized(r *http.Request) bool {
	c := s.cfg.Webhook
	if c.BearerToken != "" {
		h := r.Header.Get("Authorization")
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok && equal(tok, c.BearerToken) {
			return true
		}
	}
	if c.Username != "" && c.Password != "" {
		u, p, ok := r.BasicAuth()
		if ok && equal(u, c.Username) && equal(p, c.Password) {
			return true
		}
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
