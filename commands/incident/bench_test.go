package incident_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/incident"
	"opsbot/integrations/redisstore"
	"opsbot/internal/testkit"
)

// BenchmarkList lists incidents with 10,000 in a real redis-server (70%
// resolved, severities and reporters spread; reporters cycle over 21, so
// U007USER, who lists, reported incidents of every severity and "all
// sev1 mine" and "open mine" are not empty), reporting p50 and p99:
//
//	go test ./commands/incident -run '^$' -bench List -benchtime 2000x
func BenchmarkList(b *testing.B) {
	srv, c := start(b)
	e := newEnvOn(b, redisstore.New(srv.Client(b), "b"), c, opts{cfg: &incident.Config{}, noPager: true})
	ctx := context.Background()
	const total = 10_000
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += 8 {
				sev, _ := incident.ParseSeverity(fmt.Sprintf("sev%d", i%4+1))
				o, err := e.svc.Open(ctx, incident.OpenRequest{Title: fmt.Sprintf("incident number %d", i), Severity: sev,
					Reporter: fmt.Sprintf("U%03dUSER", i%21), Channel: "CBENCH"})
				if err != nil {
					errs <- err
					return
				}
				if i%10 < 7 {
					if _, err := e.router.Dispatch(ctx, &bot.Request{UserID: "U0CONSOLE", Channel: "CBENCH",
						Text: "incident resolve " + o.Incident.ID()}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, filter := range []string{"", "all", "resolved sev2", "all sev1 mine", "open mine"} {
		b.Run("filter="+filter, func(b *testing.B) {
			req := func() *bot.Request {
				return &bot.Request{UserID: "U007USER", Channel: "CBENCH", Text: "incident list " + filter}
			}
			rep, err := e.router.Dispatch(ctx, req())
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(rep.Text, "No ") {
				b.Fatalf("list %q is empty (%q): the mix would measure nothing", filter, rep.Text)
			}
			durs := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := e.router.Dispatch(ctx, req()); err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(t0))
			}
			b.StopTimer()
			testkit.ReportPercentiles(b, durs)
		})
	}
}

// BenchmarkOpen opens incidents (no paging, no reminder) against a real
// redis-server: three round trips each.
//
//	go test ./commands/incident -run '^$' -bench Open -benchtime 2000x
func BenchmarkOpen(b *testing.B) {
	srv, c := start(b)
	e := newEnvOn(b, redisstore.New(srv.Client(b), "b"), c, opts{cfg: &incident.Config{}, noPager: true})
	ctx := context.Background()
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := e.svc.Open(ctx, incident.OpenRequest{Title: "bench", Severity: 3, Reporter: "U1ALICE", Channel: "CBENCH"}); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	b.StopTimer()
	testkit.ReportPercentiles(b, durs)
}
