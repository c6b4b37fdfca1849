package slackemu

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// BenchmarkPostMessage measures chat.postMessage through slack-go.
func BenchmarkPostMessage(b *testing.B) {
	srv := newTestServer(b)
	api := newAPI(b, srv, srv.BotToken())
	opt := slack.MsgOptionText("benchmark", false)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := api.PostMessage("C1", opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnvelopeAck measures a slash command envelope's round trip to a
// slack-go socketmode.Client that acks it at once, and reports the ack
// latency the emulator records.
func BenchmarkEnvelopeAck(b *testing.B) {
	srv := newTestServer(b)
	bot := startBot(b, srv)
	ctx := context.Background()
	if err := srv.WaitConnected(ctx, 1); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		sent, err := srv.SlashCommand("U1", "C1", "/ops", "ping")
		if err != nil {
			b.Fatal(err)
		}
		bot.ack(b, bot.next(b))
		a, err := srv.WaitForAck(ctx, sent.EnvelopeID)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, a.Latency)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-ack-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-ack-µs")
}

// BenchmarkReplyWait measures posting a reply and seeing it through
// WaitForMessageAfter, the way end-to-end benchmarks wait for the bot.
func BenchmarkReplyWait(b *testing.B) {
	srv := newTestServer(b)
	api := newAPI(b, srv, srv.BotToken())
	ctx := context.Background()
	opt := slack.MsgOptionText("reply", false)
	for b.Loop() {
		seq := srv.MessageSeq()
		_, ts, err := api.PostMessage("C2", opt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := srv.WaitForMessageAfter(ctx, seq, func(m Message) bool { return m.TS == ts }); err != nil {
			b.Fatal(err)
		}
	}
}
