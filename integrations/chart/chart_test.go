package chart

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin without the system's zoneinfo

	"gonum.org/v1/plot/vg"
)

// Write a sample chart to look at:
//
//	go test ./integrations/chart -run TestLineChartSample -sample /tmp/chart-sample.png
var samplePath = flag.String("sample", "", "write a sample chart PNG to this path")

// waves returns n series of points one step apart from start, each a
// different sine wave around a base value.
func waves(n, points int, start time.Time, step time.Duration, base, amp float64) []Series {
	out := make([]Series, n)
	for i := range out {
		s := Series{Name: fmt.Sprintf(`{instance="web-%d:9100",job="node"}`, i+1)}
		for j := range points {
			x := float64(j) / float64(points)
			v := base*(1+0.15*float64(i)) + amp*math.Sin(2*math.Pi*(x*2+float64(i)/float64(n)))
			s.Points = append(s.Points, Point{T: start.Add(time.Duration(j) * step), V: v})
		}
		out[i] = s
	}
	return out
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// colourCounts counts the pixels of each colour.
func colourCounts(img image.Image) map[color.RGBA]int {
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	return counts
}

func TestLineChartDrawsEverySeries(t *testing.T) {
	start := time.Date(2024, 3, 1, 10, 3, 0, 0, time.UTC)
	th := newTheme()
	tests := []struct {
		name          string
		opts          Options
		series        []Series
		width, height int
		drawn         int // series whose colour must appear
	}{
		{"defaults", Options{Title: "Memory available", YUnit: "bytes"},
			waves(3, 120, start, 30*time.Second, 4<<30, 1<<30), 1000, 500, 3},
		{"custom size, ten series", Options{Width: 640, Height: 320, YUnit: "%"},
			waves(10, 60, start, time.Minute, 40, 10), 640, 320, 10},
		{"more series than the legend shows", Options{MaxLegend: 3},
			waves(8, 60, start, time.Minute, 1, 0.5), 1000, 500, 8},
		{"single unnamed series", Options{},
			[]Series{{Points: waves(1, 60, start, time.Minute, 1, 0.5)[0].Points}}, 1000, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LineChart(tt.opts, tt.series)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			if got := img.Bounds().Size(); got.X != tt.width || got.Y != tt.height {
				t.Fatalf("size %v, want %dx%d", got, tt.width, tt.height)
			}
			counts := colourCounts(img)
			if len(counts) < 20 {
				t.Errorf("only %d colours: blank or nearly", len(counts))
			}
			white := counts[color.RGBA{255, 255, 255, 255}]
			if total := tt.width * tt.height; white < total/2 || white == total {
				t.Errorf("%d of %d pixels white: want a mostly white background with a chart on it", white, total)
			}
			for i := range tt.drawn {
				c := color.RGBAModel.Convert(th.palette[i%len(th.palette)]).(color.RGBA)
				if counts[c] < 20 {
					t.Errorf("series %d colour %v on %d pixels, want a line", i, c, counts[c])
				}
			}
		})
	}
}

func TestLegendEntries(t *testing.T) {
	named := func(names ...string) []Series {
		var out []Series
		for _, n := range names {
			out = append(out, Series{Name: n})
		}
		return out
	}
	tests := []struct {
		name   string
		series []Series
		max    int
		want   []string
	}{
		{"all fit", named("a", "b"), 10, []string{"a", "b"}},
		{"capped", named("a", "b", "c", "d", "e"), 3, []string{"a", "b", "c", "+2 more"}},
		{"exactly the cap", named("a", "b", "c"), 3, []string{"a", "b", "c"}},
		{"unnamed series numbered", named("", "b"), 10, []string{"series 1", "b"}},
		{"one unnamed series needs none", named(""), 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for i, e := range legendEntries(newTheme(), tt.series, tt.max) {
				got = append(got, e.text)
				if (e.line == nil) != strings.HasPrefix(e.text, "+") {
					t.Errorf("entry %d %q: line sample %v", i, e.text, e.line != nil)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLegendShortensLongNames(t *testing.T) {
	long := `{device="/dev/mapper/vg0-lv_var_lib_docker",fstype="xfs",instance="very-long-host-name-01.example.com:9100",mountpoint="/var/lib/docker"}`
	entries := []legendEntry{{text: long}, {text: "short"}}
	const width = vg.Length(400)
	l := layoutLegend(newTheme(), entries, width)
	got := l.entries[0].text
	if !strings.Contains(got, "…") || !strings.HasPrefix(got, `{device="/dev/`) || !strings.HasSuffix(got, `docker"}`) {
		t.Errorf("shortened to %q, want its start and end kept around …", got)
	}
	if l.entries[1].text != "short" {
		t.Errorf("short name changed to %q", l.entries[1].text)
	}
	if l.cols != 2 || l.colWidth*vg.Length(l.cols) > width {
		t.Errorf("%d columns of %v in %v, want two that fit", l.cols, l.colWidth, width)
	}
}

func TestLineChartErrors(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name   string
		opts   Options
		series []Series
		want   string
	}{
		{"no series", Options{}, nil, "no data points to plot"},
		{"no points", Options{}, []Series{{Name: "a"}, {Name: "b"}}, "no data points to plot"},
		{"only NaN", Options{}, []Series{{Name: "a", Points: []Point{{now, math.NaN()}, {now.Add(time.Second), math.Inf(1)}}}}, "no data points to plot"},
		{"too small", Options{Width: 100}, waves(1, 10, now, time.Second, 1, 1), "between 200 and 4000 pixels"},
		{"too large", Options{Height: 5000}, waves(1, 10, now, time.Second, 1, 1), "between 200 and 4000 pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LineChart(tt.opts, tt.series)
			if err == nil || !strings.Contains(err.Error(), tt.want) || b != nil {
				t.Fatalf("err = %v (%d bytes), want %q", err, len(b), tt.want)
			}
			if strings.Contains(tt.want, "no data") && !errors.Is(err, ErrNoData) {
				t.Errorf("err %v is not ErrNoData", err)
			}
		})
	}
}

func TestLineChartOddData(t *testing.T) {
	now := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		series []Series
	}{
		{"one point", []Series{{Name: "a", Points: []Point{{now, 5}}}}},
		{"flat line", []Series{{Name: "a", Points: []Point{{now, 0}, {now.Add(time.Minute), 0}}}}},
		{"negative values", []Series{{Name: "a", Points: []Point{{now, -3}, {now.Add(time.Minute), -1e9}}}}},
		{"unsorted with gaps and NaN", []Series{{Name: "a", Points: []Point{
			{now.Add(3 * time.Minute), 2}, {now, 1}, {now.Add(time.Minute), math.NaN()}, {now.Add(10 * time.Minute), 3},
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LineChart(Options{Width: 400, Height: 200}, tt.series)
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b)
		})
	}
}

func TestPrepareSplitsRunsAtGaps(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(min int, v float64) Point { return Point{T: t0.Add(time.Duration(min) * time.Minute), V: v} }
	tests := []struct {
		name   string
		points []Point
		runs   []int // points per run
	}{
		{"continuous", []Point{at(0, 1), at(1, 2), at(2, 3)}, []int{3}},
		{"NaN splits", []Point{at(0, 1), at(1, math.NaN()), at(2, 3), at(3, 4)}, []int{1, 2}},
		{"missing step splits", []Point{at(0, 1), at(1, 2), at(5, 3), at(6, 4)}, []int{2, 2}},
		{"unsorted is sorted", []Point{at(2, 3), at(0, 1), at(1, 2)}, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := prepare([]Series{{Points: tt.points}})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range d.series[0].runs {
				got = append(got, len(r))
				for i := 1; i < len(r); i++ {
					if r[i].X <= r[i-1].X {
						t.Errorf("run not in time order: %v", r)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.runs) {
				t.Errorf("runs of %v points, want %v", got, tt.runs)
			}
		})
	}
}

func TestLineChartSample(t *testing.T) {
	if *samplePath == "" {
		t.Skip("no -sample path given")
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	series := waves(12, 360, start, 10*time.Second, 2<<30, 512<<20)
	series[2].Points[100].V = math.NaN() // a gap
	b, err := LineChart(Options{Title: "Memory available per host (last hour)", YUnit: "bytes", Location: berlin}, series)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*samplePath, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkLineChart10x360(b *testing.B) {
	series := waves(10, 360, time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), 10*time.Second, 40, 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LineChart(Options{Title: "CPU busy", YUnit: "%"}, series); err != nil {
			b.Fatal(err)
		}
	}
}
