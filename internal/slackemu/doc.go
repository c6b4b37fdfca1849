// Package slackemu is a local Slack for tests, benchmarks and demos.
//
// It serves the subset of the Web API that opsbot uses and a Socket Mode
// WebSocket, both shaped exactly as github.com/slack-go/slack decodes them,
// so the real slack-go client and socketmode.Client work against it
// unchanged:
//
//	srv := slackemu.New()
//	defer srv.Close()
//	api := slack.New(srv.BotToken(),
//		slack.OptionAPIURL(srv.APIURL()),
//		slack.OptionAppLevelToken(srv.AppToken()))
//	client := socketmode.New(api)
//
// Test drivers play the people: SlashCommand, Mention, DirectMessage,
// HomeOpened, Click and SubmitView send Socket Mode envelopes; the Wait*
// helpers and the accessors (Messages, Calls, Acks, Files, Views, ...) let a
// test see what the bot did. Faults are switchable: SetRateLimit answers 429
// with Retry-After (SetRateLimitWindows to the first calls of every
// window), FailNext answers 500 (until ClearFailures),
// SetTokenRevoked answers token_revoked, Disconnect and DropConnections end
// Socket Mode connections, WithoutPings stops the pings, Redeliver sends an
// envelope again with a chosen retry_reason, and envelopes that are not
// acked in time are redelivered (retry_reason "timeout") like Slack does.
// apps.connections.open takes the app-level token only as a Bearer header,
// as Slack does.
//
// The design follows GoAlert's mock Slack: one handler per Web API method,
// Slack's real error codes, all state in memory behind a mutex.
package slackemu
