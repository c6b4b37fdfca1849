package socketmode

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config connects opsbot to Slack. Tokens are secrets: give them through
// ${ENV} references or app_token_file / bot_token_file.
type Config struct {
	// AppToken is the app-level token (xapp-…) with connections:write.
	AppToken string `yaml:"app_token"`
	// BotToken is the bot user OAuth token (xoxb-…).
	BotToken string `yaml:"bot_token"`
	// APIURL is Slack's Web API base; point it at a local Slack for tests.
	APIURL string `yaml:"api_url"`
	// Commands are the slash commands the app defines; all reach the router.
	Commands []string `yaml:"commands"`
	// Connections is how many Socket Mode connections to keep open (1–10).
	Connections int `yaml:"connections"`
	// Watchdog reconnects when nothing (pings included) arrives for this long.
	Watchdog time.Duration `yaml:"watchdog"`
	// DedupeTTL is how long a handled payload id is remembered.
	DedupeTTL time.Duration `yaml:"dedupe_ttl"`
}

// DefaultAPIURL is Slack's own Web API.
const DefaultAPIURL = "https://slack.com/api/"

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if len(c.Commands) == 0 {
		c.Commands = []string{"/ops"}
	}
	if c.Connections == 0 {
		c.Connections = 1
	}
	if c.Watchdog == 0 {
		c.Watchdog = 45 * time.Second
	}
	if c.DedupeTTL == 0 {
		c.DedupeTTL = time.Hour
	}
	return c
}

const tokenDocs = "see https://api.slack.com/authentication/token-types and the README's \"Set up in Slack\""

// Validate lists problems as "<key>: <problem>". Missing tokens are only
// a problem when connecting, which requireTokens decides.
func (c Config) Validate(requireTokens bool) []error {
	var errs []error
	check := func(key, val, prefix, what string) {
		switch {
		case val == "" && requireTokens:
			errs = append(errs, fmt.Errorf("%s: the %s is required (%s)", key, what, tokenDocs))
		case val != "" && !strings.HasPrefix(val, prefix):
			errs = append(errs, fmt.Errorf("%s: the %s must start with %q; this one does not (%s)", key, what, prefix, tokenDocs))
		}
	}
	check("app_token", c.AppToken, "xapp-", "app-level token")
	check("bot_token", c.BotToken, "xoxb-", "bot token")
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("api_url: %q is not an http(s) URL", c.APIURL))
		}
	}
	for i, cmd := range c.Commands {
		if !strings.HasPrefix(cmd, "/") || strings.ContainsAny(cmd, " \t") {
			errs = append(errs, fmt.Errorf("commands[%d]: %q must be a slash command like /ops", i, cmd))
		}
	}
	if c.Connections < 0 || c.Connections > 10 {
		errs = append(errs, fmt.Errorf("connections: %d is outside 1–10 (Slack allows at most 10 per app)", c.Connections))
	}
	if c.Watchdog < 0 || (c.Watchdog > 0 && c.Watchdog < 5*time.Second) {
		errs = append(errs, fmt.Errorf("watchdog: %s is too short; Slack pings about every 10 s, use 30s or more", c.Watchdog))
	}
	return errs
}
