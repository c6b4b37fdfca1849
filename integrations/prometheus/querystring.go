package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// isStringResult reports whether err is client_golang refusing to decode a
// string result (a query like `"hello"`), which it does not support.
func isStringResult(err error) bool {
	var apiErr *v1.Error
	return errors.As(err, &apiErr) && apiErr.Type == v1.ErrBadResponse &&
		strings.Contains(apiErr.Msg, `unexpected value type "string"`)
}

// queryString repeats an instant query whose answer is a string and decodes
// it here.
func (c *Client) queryString(ctx context.Context, promql string, at time.Time) (model.Value, v1.Warnings, error) {
	u := c.raw.URL("/api/v1/query", nil)
	q := url.Values{"query": {promql}}
	if t := c.evalTimeout(); t > 0 {
		q.Set("timeout", t.String())
	}
	if !at.IsZero() {
		q.Set("time", strconv.FormatFloat(float64(at.UnixNano())/1e9, 'f', -1, 64))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	resp, body, err := c.raw.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var answer struct {
		Status    string       `json:"status"`
		ErrorType v1.ErrorType `json:"errorType"`
		Error     string       `json:"error"`
		Warnings  []string     `json:"warnings"`
		Data      struct {
			ResultType string       `json:"resultType"`
			Result     model.String `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, nil, &v1.Error{Type: v1.ErrBadResponse, Msg: fmt.Sprintf("decode answer (HTTP %d): %v", resp.StatusCode, err)}
	}
	if answer.Status != "success" {
		return nil, answer.Warnings, &v1.Error{Type: answer.ErrorType, Msg: answer.Error}
	}
	if answer.Data.ResultType != "string" {
		return nil, answer.Warnings, &v1.Error{Type: v1.ErrBadResponse, Msg: "unexpected value type " + strconv.Quote(answer.Data.ResultType)}
	}
	return &answer.Data.Result, answer.Warnings, nil
}
