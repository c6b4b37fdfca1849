// Command benchfanout measures running `true` on many SSH hosts at once:
// opsbot's executor with new connections (cold) and pooled ones (warm), a
// bare golang.org/x/crypto/ssh loop, parallel-ssh and, when installed,
// ansible, all at the same parallelism against the same hosts (several
// local sshd processes posing as 127.0.0.11 onwards, see sshtest). It
// prints one table. Run it through deploy/bench/ssh-fanout.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"opsbot/integrations/sshexec/sshtest"
)

func main() {
	hosts := flag.Int("hosts", 100, "number of loopback hosts (127.0.0.11 onwards)")
	par := flag.Int("p", 32, "parallelism of every tool")
	rounds := flag.Int("rounds", 3, "measurements per tool; the table shows median and best")
	flag.Parse()
	if err := run(os.Stdout, *hosts, *par, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchfanout:", err)
		os.Exit(1)
	}
}

// tool is one contender: run does the whole fan-out once and reports the
// wall time and the client CPU time it took, or why it could not.
type tool struct {
	name string
	run  func(ctx context.Context) (wall, cpu time.Duration, err error)
	// before, if set, runs ahead of each measurement, unmeasured.
	before func(ctx context.Context) error
	// teardown, if set, ends what run left open (connections) inside the
	// server CPU window but outside the wall time.
	teardown func()
	// after, if set, runs once the measurement is taken.
	after func()
	times []time.Duration
	cpu   []time.Duration
	sshd  []time.Duration
	err   error
}

func run(out io.Writer, nHosts, par, rounds int) error {
	dir, err := os.MkdirTemp("", "benchfanout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(out, "starting sshd for %d hosts (127.0.0.11-127.0.0.%d)...\n", nHosts, 10+nHosts)
	srv, err := sshtest.New(dir, sshtest.LoopbackRange(11, nHosts))
	if err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	defer srv.Close()
	env, err := newBenchEnv(srv, dir, par)
	if err != nil {
		return err
	}

	opsbot := env.opsbotTools()
	tools := []*tool{
		opsbot[0], opsbot[1],
		{name: "bare x/crypto/ssh loop", run: env.bareLoop},
		{name: fmt.Sprintf("parallel-ssh -p %d", par), run: env.parallelSSH(false)},
		{name: fmt.Sprintf("parallel-ssh -p %d, curve25519 kex", par), run: env.parallelSSH(true)},
		{name: fmt.Sprintf("ansible -f %d -m raw", par), run: env.ansible},
	}
	ctx := context.Background()
	// Rounds interleave the tools, so a noisy moment hurts all alike.
	for r := 0; r < rounds; r++ {
		fmt.Fprintf(out, "round %d/%d\n", r+1, rounds)
		for _, t := range tools {
			if t.err != nil {
				continue
			}
			waitChildren(srv.Pids(), 0, 10*time.Second)
			if t.before != nil {
				if t.err = t.before(ctx); t.err != nil {
					continue
				}
			}
			open := countChildren(srv.Pids())
			busy := machineBusy()
			d, cpu, err := t.run(ctx)
			if t.teardown != nil {
				t.teardown()
			}
			// Let the connections this run opened end, so the server's
			// work for them is inside the window.
			waitChildren(srv.Pids(), open, 10*time.Second)
			server := machineBusy() - busy - cpu
			if t.after != nil {
				t.after()
			}
			if err != nil {
				t.err = err
				continue
			}
			t.times = append(t.times, d)
			t.cpu = append(t.cpu, cpu)
			t.sshd = append(t.sshd, max(server, 0))
		}
	}
	printTable(out, tools, nHosts, par, rounds)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func printTable(out io.Writer, tools []*tool, nHosts, par, rounds int) {
	fmt.Fprintf(out, "\n`true` on %d hosts, parallelism %d, %d rounds (wall seconds)\n\n", nHosts, par, rounds)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "tool\tmedian s\tbest s\tclient CPU s\tserver CPU s\tmedian vs parallel-ssh\t")
	var pssh time.Duration
	for _, t := range tools {
		if strings.HasPrefix(t.name, "parallel-ssh") && !strings.Contains(t.name, "kex") && len(t.times) > 0 {
			pssh = median(t.times)
		}
	}
	med := map[string]time.Duration{}
	for _, t := range tools {
		if len(t.times) == 0 {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t%s\t\n", t.name, t.err)
			continue
		}
		m := median(t.times)
		med[t.name] = m
		rel := "-"
		if pssh > 0 {
			rel = fmt.Sprintf("%.1f%%", 100*m.Seconds()/pssh.Seconds())
		}
		fmt.Fprintf(w, "%s\t%.3f\t%.3f\t%.3f\t%.2f\t%s\t\n", t.name, m.Seconds(), slices.Min(t.times).Seconds(),
			median(t.cpu).Seconds(), median(t.sshd).Seconds(), rel)
	}
	w.Flush()
	fmt.Fprintln(out, "client CPU: user+sys of opsbot's process, or of the tool and the ssh clients it ran;")
	fmt.Fprintln(out, "server CPU: the machine's busy CPU time during the run (/proc/stat) less the client's:")
	fmt.Fprintln(out, "sshd and the commands it ran, plus whatever else the machine was doing.")
	cold, warm, bare := med[tools[0].name], med[tools[1].name], med["bare x/crypto/ssh loop"]
	if pssh > 0 && cold > 0 && warm > 0 && bare > 0 {
		fmt.Fprintf(out, "\nopsbot cold = %.1f%% of parallel-ssh (target <= 30%%), %.2fx the bare loop (target <= 1.3x)\n",
			100*cold.Seconds()/pssh.Seconds(), cold.Seconds()/bare.Seconds())
		fmt.Fprintf(out, "opsbot warm = %.1f%% of parallel-ssh (target <= 5%%)\n", 100*warm.Seconds()/pssh.Seconds())
	}
}
