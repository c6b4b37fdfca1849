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
// with Retry-After, FailNext answers 500, SetTokenRevoked answers
// token_revoked, Disconnect and DropConnections end Socket Mode connections,
// and envelopes that are not acked in time are redelivered like Slack does.
//
// The design follows GoAlert's mock Slack: one handler per Web API method,
// Slack's real error codes, all state in memory behind a mutex.
package slackemu
