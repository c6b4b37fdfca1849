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
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

	// people maps names to user ids for `as`; names the other way round.
	people map[string]string
	names  Names

	mu      sync.Mutex
	lineCh  chan input
	buttons []Button
	nextTS  int
	// shown is what each message (channel/ts) last printed as, so that an
	// update that changes nothing is not printed again.
	shown map[string]string
}

// maxShown bounds shown; past it, it starts over.
const maxShown = 1000

// Options configure a console session.
type Options struct {
	User    string // acting Slack user id, or a name from People
	Channel string // channel name requests appear to come from
	// Prompt is printed before each line; "" when stdin is not a terminal.
	// With a prompt the terminal shows what is typed, so lines are not
	// echoed; without one each line is echoed as "> line".
	Prompt string
	// FileDir is where uploaded files are saved; "" makes a directory for
	// the session at the first file, and says where.
	FileDir string
	// People maps the names people go by (oncall.people) to user ids:
	// `as <name>` takes them, and mentions of their ids read as @name.
	People map[string]string
	Log    *slog.Logger
}

var _ bot.Chat = (*Console)(nil)

// New returns a console writing to out.
func New(d Dispatcher, out io.Writer, o Options) *Console {
	if o.Channel == "" {
		o.Channel = "console"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{d: d, out: out, channel: o.Channel, prompt: o.Prompt, fileDir: o.FileDir, log: o.Log,
		people: map[string]string{}, names: Names{}, shown: map[string]string{}}
	for name, id := range o.People {
		c.people[strings.ToLower(name)] = id
		if prev, ok := c.names[id]; !ok || name < prev {
			c.names[id] = name
		}
	}
	c.user = o.User
	if id, ok := c.resolve(o.User); ok {
		c.user = id
	}
	return c
}

// Who says who the session acts as: "alice (U1ALICE)", or the id alone
// when it has no name.
func (c *Console) Who() string {
	if n := c.names[c.user]; n != "" {
		return n + " (" + c.user + ")"
	}
	return c.user
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
	if c.prompt == "" {
		c.printf("> %s\n", line)
	}
	if rest, ok := strings.CutPrefix(line, "click"); ok && (rest == "" || rest[0] == ' ') {
		c.click(ctx, strings.TrimSpace(rest))
		return true
	}
	if rest, ok := strings.CutPrefix(line, "as"); ok && (rest == "" || rest[0] == ' ') {
		c.switchUser(strings.TrimSpace(rest))
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
	c.reply(ctx, req, rep, err)
}

// reply shows what req was answered: an error, a form, a message.
func (c *Console) reply(ctx context.Context, req *bot.Request, rep *bot.Reply, err error) {
	if err != nil {
		if bot.ErrorCode(err) == bot.CodeInternal {
			c.log.Error("command failed", "text", req.Text, "err", err)
		}
		c.printf("! %s\n", c.names.Mrkdwn(bot.UserMessage(err)))
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
			c.printf("! %s: %s\n", block, c.names.Mrkdwn(msg))
		}
		return
	}
	ts := ""
	if req.Action != nil && rep.ReplaceOriginal {
		ts = req.Action.MessageTS
	}
	c.show(req.Channel, ts, rep.Text, rep.Blocks, rep.ReplaceOriginal, false)
	if rep.File != nil {
		_ = c.Upload(ctx, req.Channel, "", *rep.File)
	}
}

// show prints a message and makes its buttons the clickable ones. An
// update that reads as the message did already is not printed again.
// header names the channel above an update (a reply to a click has none).
func (c *Console) show(channel, ts, text string, blocks []slack.Block, updated, header bool) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts == "" {
		c.nextTS++
		ts = strconv.Itoa(c.nextTS)
	}
	out, buttons := c.names.Render(text, blocks, 1)
	key := channel + "/" + ts
	if updated && c.shown[key] == out {
		return ts
	}
	if len(c.shown) >= maxShown {
		clear(c.shown)
	}
	c.shown[key] = out
	if header {
		fmt.Fprintf(c.out, "[%s]\n", c.where(channel))
	}
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

// where names a channel for the "[...]" line above a posted message: a
// DM (its "channel" is the user id) as "DM to @name".
func (c *Console) where(channel string) string {
	if isUserID(channel) {
		return "DM to @" + c.names.User(channel)
	}
	return "#" + channel
}

func isUserID(s string) bool {
	if len(s) < 2 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// switchUser makes the session act as another user: a name from People,
// a user id, or a mention of either.
func (c *Console) switchUser(arg string) {
	if arg == "" {
		c.printf("You are %s. Type `as <name>` to act as someone else%s.\n", c.Who(), c.knownNames())
		return
	}
	id, ok := c.resolve(arg)
	if !ok {
		c.printf("! I don't know %q: give a name%s or a user id like U123ABC.\n", arg, c.knownNames())
		return
	}
	c.user = id
	c.printf("You are now %s.\n", c.Who())
}

// resolve finds the user id for a name, an id or a mention of either.
func (c *Console) resolve(arg string) (string, bool) {
	s := strings.TrimSuffix(strings.TrimPrefix(arg, "<@"), ">")
	s, _, _ = strings.Cut(s, "|")
	s = strings.TrimPrefix(s, "@")
	if id, ok := c.people[strings.ToLower(s)]; ok {
		return id, true
	}
	return s, isUserID(s)
}

func (c *Console) knownNames() string {
	if len(c.people) == 0 {
		return ""
	}
	names := slices.Sorted(maps.Keys(c.people))
	return " (" + strings.Join(names, ", ") + ")"
}

func (c *Console) printf(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, a...)
}

// Post prints a message opsbot posts on its own initiative.
func (c *Console) Post(_ context.Context, m bot.Message) (string, error) {
	return c.show(m.Channel, "", m.Text, m.Blocks, false, true), nil
}

// Update prints the new content of an earlier message, unless it reads
// as before.
func (c *Console) Update(_ context.Context, channel, ts string, m bot.Message) error {
	c.show(channel, ts, m.Text, m.Blocks, true, true)
	return nil
}

// Upload saves the file in the session's directory and prints where. A
// name already used in the session gets a number (graph-2.png).
func (c *Console) Upload(_ context.Context, channel, _ string, f bot.File) error {
	name := filepath.Base(f.Name)
	if name == "." || name == "/" || name == "" {
		name = "opsbot-file"
	}
	dir, err := c.filesDir()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	ext := filepath.Ext(name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			break
		}
		path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), i, ext))
	}
	if err := os.WriteFile(path, f.Content, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	c.printf("[file %q saved to %s (%d bytes)]\n", f.Title, path, len(f.Content))
	return nil
}

// filesDir returns the session's directory for files, making one at the
// first file when none was given.
func (c *Console) filesDir() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fileDir != "" {
		return c.fileDir, nil
	}
	dir, err := os.MkdirTemp("", "opsbot-console-")
	if err != nil {
		return "", fmt.Errorf("make a directory for this session's files: %w", err)
	}
	c.fileDir = dir
	fmt.Fprintf(c.out, "[files of this session are saved in %s]\n", dir)
	return dir, nil
}
