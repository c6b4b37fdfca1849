package prometheus

import (
	"math"
	"testing"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{0.9423, "0.9423"},
		{0.94234567, "0.9423"},
		{0.012345, "0.01235"},
		{0.00012345, "0.0001234"},
		{0.0000035, "3.5e-06"},
		{1, "1"},
		{1.5, "1.5"},
		{42, "42"},
		{-42.25, "-42.25"},
		{123.456, "123.5"},
		{9.99995, "10"},
		{12345.678, "12346"},
		{999999, "999999"},
		{1.2e6, "1.2e+06"},
		{1234567, "1.235e+06"},
		{-8.5e9, "-8.5e+09"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatValue(tt.in); got != tt.want {
				t.Errorf("FormatValue(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSeriesName(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"name and labels", map[string]string{"job": "node", "__name__": "up", "instance": "web-1:9100"}, `up{instance="web-1:9100",job="node"}`},
		{"labels only", map[string]string{"job": "b", "instance": "a"}, `{instance="a",job="b"}`},
		{"name only", map[string]string{"__name__": "up"}, `up`},
		{"nothing", map[string]string{}, `{}`},
		{"nil", nil, `{}`},
		{"quotes escaped", map[string]string{"path": `C:\x "y"`}, `{path="C:\\x \"y\""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SeriesName(tt.labels); got != tt.want {
				t.Errorf("SeriesName(%v) = %s, want %s", tt.labels, got, tt.want)
			}
		})
	}
}
