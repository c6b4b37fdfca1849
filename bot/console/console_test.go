package console

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
)

// echo answers every request with its text and remembers them.
type echo struct{ got []string }

func (e *echo) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	e.got = append(e.got, req.Text)
	return bot.Text("ran " + req.Text), nil
}

// TestLongLinesAreRefusedAndReadingGoesOn: a line over MaxLine is refused
// and the next one runs, also when the long line ends the input without a
// newline; a line of exactly MaxLine runs; CRLF endings are dropped.
func TestLongLinesAreRefusedAndReadingGoesOn(t *testing.T) {
	exact := "x" + strings.Repeat(" ", MaxLine-2) + "y"
	in := "ping\n" + strings.Repeat("a", 3*MaxLine) + "\nwhoami\r\n" + exact + "\n" + strings.Repeat("b", MaxLine+1)
	var out strings.Builder
	d := &echo{}
	if err := New(d, &out, Options{User: "U1"}).Run(context.Background(), strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := []string{"ping", "whoami", "x" + strings.Repeat(" ", MaxLine-2) + "y"}
	if len(d.got) != len(want) {
		t.Fatalf("ran %d lines, want %d", len(d.got), len(want))
	}
	for i := range want {
		if d.got[i] != want[i] {
			t.Errorf("line %d = %.20q…, want %.20q…", i, d.got[i], want[i])
		}
	}
	if n := strings.Count(out.String(), "That line is longer than 16384 bytes; it was not run."); n != 2 {
		t.Errorf("%d refusals, want 2:\n%.300s", n, out.String())
	}
}
