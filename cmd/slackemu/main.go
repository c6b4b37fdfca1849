// Command slackemu runs the emulated Slack of internal/slackemu on its own, so a
// person can point opsbot at it and play the users from a terminal:
//
//	slackemu -addr 127.0.0.1:3333
//	U1 C1 /ops ping               slash command
//	U1 C1 @opsbot help            app mention
//	U1 dm status                  direct message
//	U1 home                       App Home opened
//	U1 click <ts> <action_id> [value]
//	U1 submit <view_id> block.action=value ...
//	views | disconnect [reason] | drop | redeliver [reason]
//	revoke app|bot | restore app|bot | help
//
// Messages the bot posts are printed as text; every Web API call is logged.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"opsbot/internal/slackemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdin, os.Stdout, os.Stderr)
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	<-ctx.Done()
	m.Close()
}

// Main is the runner: flags, the server, and the terminal driver.
type Main struct {
	Addr            string
	BotToken        string
	AppToken        string
	PingInterval    time.Duration
	RedeliveryDelay time.Duration
	NoPings         bool
	Quiet           bool

	in     io.Reader
	out    io.Writer
	errOut io.Writer
	srv    *slackemu.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// NewMain returns a runner reading commands from in and printing to out;
// logs go to errOut.
func NewMain(in io.Reader, out, errOut io.Writer) *Main {
	return &Main{in: in, out: out, errOut: errOut}
}

// ParseFlags reads the command line.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("slackemu", flag.ContinueOnError)
	fs.SetOutput(m.errOut)
	fs.StringVar(&m.Addr, "addr", "127.0.0.1:3333", "address to listen on")
	fs.StringVar(&m.BotToken, "bot-token", "", "bot token to accept (default: random xoxb-...)")
	fs.StringVar(&m.AppToken, "app-token", "", "app-level token to accept (default: random xapp-...)")
	fs.DurationVar(&m.PingInterval, "ping", 10*time.Second, "WebSocket ping interval")
	fs.DurationVar(&m.RedeliveryDelay, "redelivery", 3*time.Second, "redeliver envelopes not acked within this delay (0: never)")
	fs.BoolVar(&m.NoPings, "no-pings", false, "send no WebSocket pings (the bot's watchdog should reconnect)")
	fs.BoolVar(&m.Quiet, "quiet", false, "do not log every Web API call")
	return fs.Parse(args)
}

// Run starts the emulator, prints the environment to use, and starts
// printing the bot's messages and reading commands.
func (m *Main) Run(ctx context.Context) error {
	level := slog.LevelInfo
	if m.Quiet {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(m.errOut, &slog.HandlerOptions{Level: level}))
	opts := []slackemu.Option{
		slackemu.WithLogger(logger),
		slackemu.WithPingInterval(m.PingInterval),
		slackemu.WithRedeliveryDelay(m.RedeliveryDelay),
	}
	if m.NoPings {
		opts = append(opts, slackemu.WithoutPings())
	}
	if m.BotToken != "" || m.AppToken != "" {
		if !strings.HasPrefix(m.BotToken, "xoxb-") || !strings.HasPrefix(m.AppToken, "xapp-") {
			return errors.New("-bot-token must start with xoxb- and -app-token with xapp-, and both must be set")
		}
		opts = append(opts, slackemu.WithTokens(m.BotToken, m.AppToken))
	}
	srv, err := slackemu.NewServer(m.Addr, opts...)
	if err != nil {
		return fmt.Errorf("start slack emulator: %w", err)
	}
	m.srv = srv
	fmt.Fprintf(m.out, "SLACK_API_URL=%s SLACK_APP_TOKEN=%s SLACK_BOT_TOKEN=%s\n", srv.APIURL(), srv.AppToken(), srv.BotToken())
	fmt.Fprintln(m.out, `type "help" for commands`)

	ctx, m.cancel = context.WithCancel(ctx)
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		m.printMessages(ctx)
	}()
	// The reader blocks on stdin and cannot be interrupted; it ends with
	// the process.
	go m.readCommands(ctx)
	return nil
}

// Close stops printing and shuts the emulator down.
func (m *Main) Close() {
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	if m.srv != nil {
		m.srv.Close()
	}
}

// printMessages prints every message the bot posts or changes.
func (m *Main) printMessages(ctx context.Context) {
	var seq uint64
	for {
		msgs, next, err := m.srv.NextMessages(ctx, seq)
		if err != nil {
			return
		}
		seq = next
		for _, msg := range msgs {
			fmt.Fprintln(m.out, m.render(msg))
		}
	}
}

// render turns a message into terminal text, buttons as click commands.
func (m *Main) render(msg slackemu.Message) string {
	var sb strings.Builder
	where := msg.Channel
	if c, ok := m.srv.Channel(msg.Channel); ok && c.Name != "" {
		where = "#" + c.Name
	}
	fmt.Fprintf(&sb, "[%s %s]", where, msg.TS)
	if msg.ThreadTS != "" && msg.ThreadTS != msg.TS {
		fmt.Fprintf(&sb, " (thread %s)", msg.ThreadTS)
	}
	switch {
	case msg.Deleted:
		sb.WriteString(" (deleted)")
	case msg.Edits > 0:
		sb.WriteString(" (edited)")
	}
	if msg.Ephemeral {
		fmt.Fprintf(&sb, " (only %s)", msg.EphemeralUser)
	}
	fmt.Fprintf(&sb, " %s: %s", slackemu.BotName, msg.Text)
	for _, line := range blockLines(msg.Blocks) {
		sb.WriteString("\n    ")
		sb.WriteString(strings.ReplaceAll(line, "<ts>", msg.TS))
	}
	for _, f := range msg.Files {
		fmt.Fprintf(&sb, "\n    [file %s]", f)
	}
	return sb.String()
}

type textObj struct {
	Text string `json:"text"`
}

type blockElem struct {
	Type     string   `json:"type"`
	ActionID string   `json:"action_id"`
	Value    string   `json:"value"`
	Text     *textObj `json:"text"`
}

type block struct {
	Type      string          `json:"type"`
	Text      *textObj        `json:"text"`
	Fields    []textObj       `json:"fields"`
	Elements  json.RawMessage `json:"elements"`
	Accessory *blockElem      `json:"accessory"`
	Label     *textObj        `json:"label"`
	Element   *blockElem      `json:"element"`
	BlockID   string          `json:"block_id"`
}

// blockLines renders Block Kit as text lines.
func blockLines(raw json.RawMessage) []string {
	var blocks []block
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var lines []string
	button := func(e *blockElem) {
		label := e.ActionID
		if e.Text != nil {
			label = e.Text.Text
		}
		lines = append(lines, fmt.Sprintf("[%s] → click <ts> %s %s", label, e.ActionID, e.Value))
	}
	for _, b := range blocks {
		if b.Text != nil {
			lines = append(lines, b.Text.Text)
		}
		for _, f := range b.Fields {
			lines = append(lines, f.Text)
		}
		if b.Accessory != nil && b.Accessory.ActionID != "" {
			button(b.Accessory)
		}
		if b.Type == "input" && b.Label != nil && b.Element != nil {
			lines = append(lines, fmt.Sprintf("%s: %s.%s=<value>", b.Label.Text, b.BlockID, b.Element.ActionID))
		}
		var elems []blockElem
		if json.Unmarshal(b.Elements, &elems) == nil {
			for i := range elems {
				switch {
				case elems[i].ActionID != "":
					button(&elems[i])
				case elems[i].Text != nil:
					lines = append(lines, elems[i].Text.Text)
				}
			}
		}
	}
	return lines
}

// readCommands drives the emulator from terminal lines.
func (m *Main) readCommands(ctx context.Context) {
	sc := bufio.NewScanner(m.in)
	for sc.Scan() {
		if ctx.Err() != nil {
			return
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if out, err := m.command(ctx, line); err != nil {
			fmt.Fprintln(m.out, "error:", err)
		} else if out != "" {
			fmt.Fprintln(m.out, out)
		}
	}
}

const helpText = `commands:
  U1 C1 /ops ping                     slash command from U1 in C1
  U1 C1 @opsbot help                  mention the bot
  U1 dm status                        direct message to the bot
  U1 home                             U1 opens the App Home
  U1 click <ts> <action_id> [value]   click a button on a message
  U1 submit <view_id> block.action=value ...
  views                               list views
  disconnect [reason]                 ask connections to reconnect
  drop                                cut connections
  redeliver [reason]                  send the last envelope again (retry_reason, default timeout)
  revoke app|bot, restore app|bot     make Slack refuse a token (token_revoked), or take it again
  help`

// command runs one terminal line.
func (m *Main) command(ctx context.Context, line string) (string, error) {
	f := strings.Fields(line)
	switch f[0] {
	case "help":
		return helpText, nil
	case "views":
		return m.listViews(), nil
	case "disconnect":
		reason := "refresh_requested"
		if len(f) > 1 {
			reason = f[1]
		}
		m.srv.Disconnect(reason)
		return "disconnect sent", nil
	case "drop":
		m.srv.DropConnections()
		return "connections dropped", nil
	case "redeliver":
		envs := m.srv.Envelopes()
		if len(envs) == 0 {
			return "", errors.New("no envelope sent yet")
		}
		reason := "timeout"
		if len(f) > 1 {
			reason = f[1]
		}
		sent, err := m.srv.Redeliver(envs[len(envs)-1].ID, reason)
		if err != nil {
			return "", err
		}
		return "redelivered as " + sent.EnvelopeID, nil
	case "revoke", "restore":
		if len(f) != 2 || (f[1] != "app" && f[1] != "bot") {
			return "", fmt.Errorf("usage: %s app|bot", f[0])
		}
		token := m.srv.BotToken()
		if f[1] == "app" {
			token = m.srv.AppToken()
		}
		m.srv.SetTokenRevoked(token, f[0] == "revoke")
		return f[1] + " token " + f[0] + "d", nil
	}
	if len(f) < 2 {
		return "", fmt.Errorf("unknown command %q (try help)", line)
	}
	user, rest := f[0], f[1:]
	var (
		sent slackemu.Sent
		err  error
	)
	switch rest[0] {
	case "dm":
		sent, err = m.srv.DirectMessage(user, strings.Join(rest[1:], " "))
	case "home":
		sent, err = m.srv.HomeOpened(user)
	case "click":
		if len(rest) < 3 {
			return "", errors.New("usage: U1 click <ts> <action_id> [value]")
		}
		value := strings.Join(rest[3:], " ")
		ch, ok := m.channelOf(rest[1])
		if !ok {
			return "", fmt.Errorf("no message %s", rest[1])
		}
		sent, err = m.srv.Click(user, ch, rest[1], rest[2], value)
	case "submit":
		if len(rest) < 2 {
			return "", errors.New("usage: U1 submit <view_id> block.action=value ...")
		}
		return m.submit(ctx, user, rest[1], rest[2:])
	default:
		if len(rest) < 2 {
			return "", fmt.Errorf("unknown command %q (try help)", line)
		}
		channel, what := rest[0], rest[1]
		text := strings.Join(rest[2:], " ")
		switch {
		case strings.HasPrefix(what, "/"):
			sent, err = m.srv.SlashCommand(user, channel, what, text)
		case strings.HasPrefix(what, "@"):
			sent, err = m.srv.Mention(user, channel, text)
		default:
			return "", fmt.Errorf("unknown command %q (try help)", line)
		}
	}
	if err != nil {
		return "", err
	}
	return "sent envelope " + sent.EnvelopeID, nil
}

func (m *Main) submit(ctx context.Context, user, viewID string, pairs []string) (string, error) {
	values := map[string]map[string]string{}
	for _, p := range pairs {
		key, val, ok := strings.Cut(p, "=")
		blockID, actionID, ok2 := strings.Cut(key, ".")
		if !ok || !ok2 {
			return "", fmt.Errorf("%q is not block.action=value", p)
		}
		if values[blockID] == nil {
			values[blockID] = map[string]string{}
		}
		values[blockID][actionID] = val
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sub, err := m.srv.SubmitView(ctx, user, viewID, values)
	if err != nil {
		return "", err
	}
	if sub.ResponseAction == "errors" {
		return fmt.Sprintf("the bot refused: %v", sub.Errors), nil
	}
	return "submitted; response_action=" + sub.ResponseAction, nil
}

// channelOf finds the channel holding the message at ts.
func (m *Main) channelOf(ts string) (string, bool) {
	for _, c := range m.srv.Channels() {
		if _, ok := m.srv.Message(c.ID, ts); ok {
			return c.ID, true
		}
	}
	return "", false
}

func (m *Main) listViews() string {
	var sb strings.Builder
	for _, v := range m.srv.Views() {
		state := "closed"
		if v.Open {
			state = "open"
		}
		fmt.Fprintf(&sb, "%s %s for %s (%s) %q\n", v.ID, v.Type, v.User, state, v.Title)
		for _, line := range blockLines(v.Blocks) {
			fmt.Fprintf(&sb, "    %s\n", line)
		}
	}
	if sb.Len() == 0 {
		return "no views"
	}
	return strings.TrimRight(sb.String(), "\n")
}
