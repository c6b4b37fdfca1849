package prometheus

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// ResultType says which kind of value an instant query produced.
type ResultType string

// The kinds of value an instant query can produce.
const (
	ResultVector ResultType = "vector" // one sample per series: Result.Samples
	ResultScalar ResultType = "scalar" // one sample without labels: Result.Samples[0]
	ResultString ResultType = "string" // Result.Text
	ResultMatrix ResultType = "matrix" // a range selector like up[5m]: Result.Series
)

// Result is the answer to an instant query.
type Result struct {
	Type ResultType
	// Samples holds a vector's rows in Prometheus' order (which matters
	// after sort() or topk()), or a scalar as one row without labels.
	Samples []Sample
	// Series holds a matrix's series.
	Series []Series
	// Text holds a string result.
	Text string
	// T is the evaluation time of a scalar or string result.
	T time.Time
}

// Sample is one row of an instant query's answer.
type Sample struct {
	// Labels are the series' labels; the metric name, if kept, is
	// under "__name__".
	Labels map[string]string
	// Value is the sample value; for a native histogram, its count of
	// observations.
	Value float64
	// T is the sample's timestamp.
	T time.Time
}

// Series is one time series of a range query's answer.
type Series struct {
	Labels map[string]string
	// Points are in time order; for a native histogram V is its count of
	// observations.
	Points []Point
}

// Point is one value of a series at one time.
type Point struct {
	T time.Time
	V float64
}

// Query evaluates promql at time at (the server's now when at is zero). The
// warnings are notes Prometheus attached to the answer, fit to show beside
// it. When Prometheus rejects the query the error holds a *QueryError.
func (c *Client) Query(ctx context.Context, promql string, at time.Time) (Result, []string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	val, warns, infos, err := c.api.Query(ctx, promql, at, v1.WithTimeout(c.evalTimeout()))
	if isStringResult(err) {
		val, warns, err = c.queryString(ctx, promql, at)
	}
	if err != nil {
		return Result{}, notes(warns, infos), c.wrapErr(ctx, "query", err)
	}
	res, err := convertValue(val)
	if err != nil {
		return Result{}, notes(warns, infos), fmt.Errorf("query: %w", err)
	}
	return res, notes(warns, infos), nil
}

// QueryRange evaluates promql at every step from start to end and returns
// one Series per label set, in Prometheus' order (sorted by labels).
func (c *Client) QueryRange(ctx context.Context, promql string, start, end time.Time, step time.Duration) ([]Series, []string, error) {
	switch {
	case step <= 0:
		return nil, nil, errors.New("query range: step must be positive")
	case end.Before(start):
		return nil, nil, errors.New("query range: end is before start")
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	r := v1.Range{Start: start, End: end, Step: step}
	val, warns, infos, err := c.api.QueryRange(ctx, promql, r, v1.WithTimeout(c.evalTimeout()))
	if err != nil {
		return nil, notes(warns, infos), c.wrapErr(ctx, "query range", err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, notes(warns, infos), fmt.Errorf("query range: got a %s, want a matrix", val.Type())
	}
	return convertMatrix(m), notes(warns, infos), nil
}

// evalTimeout is the timeout Prometheus is asked to evaluate within: the
// client's, cut to whole seconds (or milliseconds below one second), since
// Prometheus rejects fractions like "1.5s" that time.Duration writes.
func (c *Client) evalTimeout() time.Duration {
	if c.timeout >= time.Second {
		return c.timeout.Truncate(time.Second)
	}
	return c.timeout.Truncate(time.Millisecond)
}

// notes joins Prometheus' warnings and infos.
func notes(warns v1.Warnings, infos v1.Infos) []string {
	if len(warns)+len(infos) == 0 {
		return nil
	}
	out := make([]string, 0, len(warns)+len(infos))
	out = append(out, warns...)
	return append(out, infos...)
}

func convertValue(val model.Value) (Result, error) {
	switch v := val.(type) {
	case model.Vector:
		samples := make([]Sample, len(v))
		for i, s := range v {
			value := float64(s.Value)
			if s.Histogram != nil {
				value = float64(s.Histogram.Count)
			}
			samples[i] = Sample{Labels: labelMap(s.Metric), Value: value, T: s.Timestamp.Time()}
		}
		return Result{Type: ResultVector, Samples: samples}, nil
	case *model.Scalar:
		t := v.Timestamp.Time()
		return Result{Type: ResultScalar, T: t, Samples: []Sample{{Labels: map[string]string{}, Value: float64(v.Value), T: t}}}, nil
	case *model.String:
		return Result{Type: ResultString, Text: v.Value, T: v.Timestamp.Time()}, nil
	case model.Matrix:
		return Result{Type: ResultMatrix, Series: convertMatrix(v)}, nil
	case nil:
		return Result{}, errors.New("empty answer")
	}
	return Result{}, fmt.Errorf("unexpected result type %s", val.Type())
}

func convertMatrix(m model.Matrix) []Series {
	out := make([]Series, len(m))
	for i, ss := range m {
		points := make([]Point, 0, len(ss.Values)+len(ss.Histograms))
		for _, p := range ss.Values {
			points = append(points, Point{T: p.Timestamp.Time(), V: float64(p.Value)})
		}
		for _, h := range ss.Histograms {
			points = append(points, Point{T: h.Timestamp.Time(), V: float64(h.Histogram.Count)})
		}
		if len(ss.Values) > 0 && len(ss.Histograms) > 0 {
			sort.Slice(points, func(a, b int) bool { return points[a].T.Before(points[b].T) })
		}
		out[i] = Series{Labels: labelMap(ss.Metric), Points: points}
	}
	return out
}

func labelMap(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}
