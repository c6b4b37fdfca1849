// Package console is the terminal transport: it reads command lines from
// a reader, runs them through the same router as Slack, and prints replies
// with Block Kit rendered as text and buttons as numbered choices.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// Dispatcher answers requests; *bot.Router is one.
type Dispatcher interface {
	Dispatch(ctx context.Context, req *bot.Request) (*bot.Reply, error)
}

// Console is a terminal session with opsbot. It is also a bot.Chat, so
// what the domains post on their own shows up in the terminal.
type Console struct {
	d       Dispatcher
	out     io.Writer
	user    string
	channel string
	prompt  string
	fileDir string
	log     *slog.Logger

	mu      sync.Mutex
	lineCh  chan input
	buttons []Button
	nextTS  int
}

// Options configure a console session.
type Options struct {
	User    string // acting Slack user id
	Channel string // channel name requests appear to come from
	Prompt  string // printed before each line; "" when stdin is not a terminal
	FileDir string // where uploaded files are saved
	Log     *slog.Logger
}

var _ bot.Chat = (*Console)(nil)

// New returns a console writing to out.
func New(d Dispatcher, out io.Writer, o Options) *Console {
	if o.Channel == "" {
		o.Channel = "console"
	}
	if o.FileDir == "" {
		o.FileDir = os.TempDir()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Console{d: d, out: out, user: o.User, channel: o.Channel, prompt: o.Prompt, fileDir: o.FileDir, log: o.Log}
}

// MaxLine is the longest line read; longer lines are refused and the
// session goes on with the next one.
const MaxLine = 16 << 10

// input is one line read, or the news that a line was too long.
type input struct {
	text    string
	tooLong bool
}

// Run reads lines until EOF, `quit` or ctx ends.
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	lines := make(chan input)
	c.lineCh = lines
	errc := make(chan error, 1)
	go c.read(ctx, bufio.NewReaderSize(in, MaxLine+1), lines, errc)
	for {
		c.printf("%s", c.prompt)
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if line.tooLong {
				c.refuseLong()
				continue
			}
			if !c.handleLine(ctx, strings.TrimSpace(line.text)) {
				return nil
			}
		}
	}
}

func (c *Console) read(ctx context.Context, r *bufio.Reader, lines chan<- input, errc chan<- error) {
	defer close(lines)
	for {
		line, err := readLine(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				errc <- fmt.Errorf("read console input: %w", err)
			}
			return
		}
		select {
		case lines <- line:
		case <-ctx.Done():
			return
		}
	}
}

// readLine reads one line without its line ending. A line longer than
// r's buffer is read to its end and dropped: tooLong says so.
func readLine(r *bufio.Reader) (input, error) {
	b, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return input{}, err
		}
		return input{tooLong: true}, nil
	}
	if err != nil && (!errors.Is(err, io.EOF) || len(b) == 0) {
		return input{}, err
	}
	return input{text: strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")}, nil
}

func (c *Console) refuseLong() {
	c.printf("That line is longer than %d bytes; it was not run.\n", MaxLine)
}

// nextLine reads one more line for a form; false at EOF.
func (c *Console) nextLine(ctx context.Context) (string, bool) {
	for {
		select {
		case line, ok := <-c.lineCh:
			if ok && line.tooLong {
				c.refuseLong()
				continue
			}
			return line.text, ok
		case <-ctx.Done():
			return "", false
		}
	}
}

// handleLine runs one line; false means the session should end.
func (c *Console) handleLine(ctx context.Context, line string) bool {
	switch {
	case line == "":
		return true
	case line == "quit" || line == "exit":
		return false
	case strings.HasPrefix(line, "#"):
		return true // comments in scripts
	}
	c.printf("> %s\n", line)
	if rest, ok := strings.CutPrefix(line, "click"); ok && (rest == "" || rest[0] == ' ') {
		c.click(ctx, strings.TrimSpace(rest))
		return true
	}
	req := &bot.Request{UserID: c.user, Channel: c.channel, Text: line, Trigger: bot.TriggerConsole}
	c.answer(ctx, req)
	return true
}

func (c *Console) click(ctx context.Context, arg string) {
	n, err := strconv.Atoi(arg)
	c.mu.Lock()
	buttons := c.buttons
	c.mu.Unlock()
	if err != nil || n < 1 || n > len(buttons) {
		if len(buttons) == 0 {
			c.printf("There are no buttons to click yet.\n")
		} else {
			c.printf("Type `click N` with N from 1 to %d.\n", len(buttons))
		}
		return
	}
	b := buttons[n-1]
	req := &bot.Request{UserID: c.user, Channel: b.Channel, Trigger: bot.TriggerAction,
		Action: &bot.Action{ID: b.ActionID, Value: b.Value, MessageTS: b.MessageTS, BlockID: b.BlockID}}
	c.answer(ctx, req)
}

func (c *Console) answer(ctx context.Context, req *bot.Request) {
	rep, err := c.d.Dispatch(ctx, req)
	if err != nil {
		if bot.ErrorCode(err) == bot.CodeInternal {
			c.log.Error("command failed", "text", req.Text, "err", err)
		}
		c.printf("! %s\n", bot.UserMessage(err))
		return
	}
	if rep == nil {
		return
	}
	if rep.View != nil {
		c.form(ctx, req, rep.View)
		return
	}
	if len(rep.ViewErrors) > 0 {
		for block, msg := range rep.ViewErrors {
			c.printf("! %s: %s\n", block, msg)
		}
		return
	}
	ts := ""
	if req.Action != nil && rep.ReplaceOriginal {
		ts = req.Action.MessageTS
	}
	c.show(req.Channel, ts, rep.Text, rep.Blocks, rep.ReplaceOriginal)
	if rep.File != nil {
		_ = c.Upload(ctx, req.Channel, "", *rep.File)
	}
}

// show prints a message and makes its buttons the clickable ones.
func (c *Console) show(channel, ts, text string, blocks []slack.Block, updated bool) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts == "" {
		c.nextTS++
		ts = strconv.Itoa(c.nextTS)
	}
	out, buttons := Render(text, blocks, 1)
	if updated {
		out = "(updated) " + out
	}
	fmt.Fprintln(c.out, out)
	if len(buttons) > 0 {
		for i := range buttons {
			buttons[i].MessageTS, buttons[i].Channel = ts, channel
		}
		c.buttons = buttons
	}
	return ts
}

func (c *Console) printf(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, a...)
}

// Post prints a message opsbot posts on its own initiative.
func (c *Console) Post(_ context.Context, m bot.Message) (string, error) {
	c.printf("[#%s]\n", m.Channel)
	return c.show(m.Channel, "", m.Text, m.Blocks, false), nil
}

// Update prints the new content of an earlier message.
func (c *Console) Update(_ context.Context, channel, ts string, m bot.Message) error {
	c.printf("[#%s]\n", channel)
	c.show(channel, ts, m.Text, m.Blocks, true)
	return nil
}

// Upload saves the file and prints where.
func (c *Console) Upload(_ context.Context, channel, _ string, f bot.File) error {
	name := filepath.Base(f.Name)
	if name == "." || name == "/" || name == "" {
		name = "opsbot-file"
	}
	path := filepath.Join(c.fileDir, name)
	if err := os.WriteFile(path, f.Content, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	c.printf("[file %q saved to %s (%d bytes)]\n", f.Title, path, len(f.Content))
	return nil
}
