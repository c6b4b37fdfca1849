package promtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// WaitForSamples polls the instant query promql every 100 ms until it
// returns data (a non-empty vector or matrix, or any scalar or string). It
// returns at once if Prometheus rejects the query, and with the last
// outcome when ctx ends.
func (s *Server) WaitForSamples(ctx context.Context, promql string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := errors.New("no samples yet")
	for {
		ok, err := s.hasSamples(ctx, promql)
		var rejected *rejectedError
		switch {
		case ok:
			return nil
		case errors.As(err, &rejected):
			return err
		case ctx.Err() != nil:
			// err, if any, is the cancelled request: keep the outcome before.
		case err != nil:
			last = err
		default:
			last = errors.New("no samples yet")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for samples of %s: %w (last: %w)", promql, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// rejectedError is Prometheus refusing a query, which waiting will not fix.
type rejectedError struct{ msg string }

func (e *rejectedError) Error() string { return e.msg }

func (s *Server) hasSamples(ctx context.Context, promql string) (bool, error) {
	u := s.URL + "/api/v1/query?" + url.Values{"query": {promql}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, err
	}
	var answer struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return false, fmt.Errorf("decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if answer.Status != "success" {
		msg := fmt.Sprintf("query %s: %s: %s", promql, answer.ErrorType, answer.Error)
		if answer.ErrorType == "bad_data" || answer.ErrorType == "execution" {
			return false, &rejectedError{msg: msg}
		}
		return false, errors.New(msg)
	}
	switch answer.Data.ResultType {
	case "vector", "matrix":
		var rows []json.RawMessage
		if err := json.Unmarshal(answer.Data.Result, &rows); err != nil {
			return false, fmt.Errorf("decode %s: %w", answer.Data.ResultType, err)
		}
		return len(rows) > 0, nil
	default:
		return true, nil
	}
}
