package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/sshexec"
)

// Runner runs one command on many hosts; *sshexec.Executor is one.
type Runner interface {
	RunMany(ctx context.Context, targets []sshexec.Target, cmd sshexec.Command, opts sshexec.FanoutOptions) sshexec.FanoutResult
}

// Chat is the part of the transport a run reports through.
type Chat interface {
	Post(ctx context.Context, m bot.Message) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m bot.Message) error
	Upload(ctx context.Context, channel, thread string, f bot.File) error
}

// MaxInline is the longest output posted as a message; longer output is
// uploaded as a file.
const MaxInline = 3000

// Outcome names how a run ended: succeeded when every host succeeded,
// failed when none did, partially_failed otherwise.
func Outcome(res sshexec.FanoutResult) string {
	switch {
	case res.Failed == 0 && res.Skipped == 0:
		return "succeeded"
	case res.Succeeded == 0:
		return "failed"
	default:
		return "partially_failed"
	}
}

// ProgressLine is "nginx restart: 37/100 hosts, 2 failed".
func ProgressLine(label string, done, total, failed int) string {
	return fmt.Sprintf("%s: %d/%d hosts, %d failed", label, done, total, failed)
}

// ProgressEvery returns how many hosts pass between progress updates of a
// run on total hosts: every host up to 20, else about twenty updates.
func ProgressEvery(total int) int { return max(1, total/20) }

// Summary is "3 succeeded, 1 failed, 0 skipped in 2.1s".
func Summary(res sshexec.FanoutResult) string {
	s := fmt.Sprintf("%d succeeded, %d failed, %d skipped in %s", res.Succeeded, res.Failed, res.Skipped, res.Duration.Round(100*time.Millisecond))
	if res.Stopped {
		s += " (stopped: " + res.StopReason + ")"
	}
	return s
}

// HostReport is what happened on each host, as Slack text for a thread: a
// status line per host with the reason of a failure, then its output as a
// code block. Everything that came from a host (names, errors, output) is
// escaped, so output like "<!here>" stays text.
func HostReport(res sshexec.FanoutResult) string {
	var b strings.Builder
	for _, r := range res.Results {
		icon := ":white_check_mark:"
		if !r.OK() {
			icon = ":x:"
		}
		fmt.Fprintf(&b, "%s *%s* %s\n", icon, blocks.Escape(r.Target.Name), blocks.Escape(why(r)))
		if out := output(r); out != "" {
			b.WriteString(blocks.Code(out, MaxInline) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// HostReportPlain is HostReport as plain text, for a file: what the hosts
// printed, as they printed it.
func HostReportPlain(res sshexec.FanoutResult) string {
	var b strings.Builder
	for _, r := range res.Results {
		word := "ok"
		if !r.OK() {
			word = "FAILED"
		}
		fmt.Fprintf(&b, "== %s %s: %s\n", r.Target.Name, word, why(r))
		if out := output(r); out != "" {
			b.WriteString(out + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// output is what one host printed, stdout then stderr.
func output(r sshexec.Result) string {
	out := strings.TrimRight(r.Stdout, "\n")
	if e := strings.TrimRight(r.Stderr, "\n"); e != "" {
		if out != "" {
			out += "\n"
		}
		out += e
	}
	if r.Truncated {
		out += "\n[output truncated]"
	}
	return out
}

// why says how one host ended, in words a person can act on.
func why(r sshexec.Result) string {
	switch {
	case r.Err == nil:
		return fmt.Sprintf("exit 0 (%s)", r.Duration.Round(10*time.Millisecond))
	case errors.Is(r.Err, sshexec.ErrSkipped):
		return "skipped: the run stopped before this host"
	default:
		return sshexec.Kind(r.Err) + ": " + r.Err.Error()
	}
}

// PostOutput posts text (Slack text) in the thread, or uploads it as a
// file named name when it is longer than MaxInline, with a short note in
// the thread that says so (Slack shows a file shared in a thread less
// prominently).
func PostOutput(ctx context.Context, chat Chat, channel, thread, name, title, text string) error {
	return post(ctx, chat, channel, thread, name, title, text, text)
}

// PostReport posts HostReport(res) in the thread like PostOutput; when it
// is too long, the file holds HostReportPlain(res).
func PostReport(ctx context.Context, chat Chat, channel, thread, name, title string, res sshexec.FanoutResult) error {
	return post(ctx, chat, channel, thread, name, title, HostReport(res), HostReportPlain(res))
}

func post(ctx context.Context, chat Chat, channel, thread, name, title, text, file string) error {
	if len(text) <= MaxInline {
		if _, err := chat.Post(ctx, bot.Message{Channel: channel, Thread: thread, Text: text}); err != nil {
			return fmt.Errorf("post output: %w", err)
		}
		return nil
	}
	if err := chat.Upload(ctx, channel, thread, bot.File{Name: name, Title: title, Content: []byte(file)}); err != nil {
		return fmt.Errorf("upload output: %w", err)
	}
	note := fmt.Sprintf("%s is long (%d lines, %s), so it is attached as %s.", blocks.Escape(title), strings.Count(file, "\n")+1, size(len(file)), blocks.Escape(name))
	if _, err := chat.Post(ctx, bot.Message{Channel: channel, Thread: thread, Text: note}); err != nil {
		return fmt.Errorf("post note about uploaded output: %w", err)
	}
	return nil
}

// size is a byte count for people: "812 B", "14 KB".
func size(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%d KB", (n+512)/1024)
}
