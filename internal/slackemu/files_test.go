package slackemu

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestFileUploadV2(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	_, root, err := api.PostMessage("C2", slack.MsgOptionText("graph follows", false))
	if err != nil {
		t.Fatal(err)
	}
	png := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 1000)
	sum, err := api.UploadFileContext(testCtx(t), slack.UploadFileParameters{
		Reader: bytes.NewReader(png), FileSize: len(png), Filename: "cpu.png", Title: "CPU",
		Channel: "C2", ThreadTimestamp: root, InitialComment: "last hour",
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := srv.WaitForFile(testCtx(t), func(f File) bool { return f.ID == sum.ID })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Content, png) || f.Title != "CPU" || f.Name != "cpu.png" || f.ThreadTS != root ||
		len(f.Channels) != 1 || f.Channels[0] != "C2" || f.InitialComment != "last hour" {
		t.Fatalf("file = %+v (%d bytes)", f, len(f.Content))
	}
	replies := srv.Replies("C2", root)
	if len(replies) != 1 || len(replies[0].Files) != 1 || replies[0].Files[0] != f.ID || replies[0].Text != "last hour" {
		t.Fatalf("share message = %+v", replies)
	}

	if err := srv.AddChannel(Channel{ID: "C3", Name: "quiet", Members: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	_, err = api.UploadFileContext(testCtx(t), slack.UploadFileParameters{
		Content: "x", FileSize: 1, Filename: "a.txt", Channel: "C3",
	})
	if err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Fatalf("upload to a channel without the bot: %v", err)
	}
	if _, err := api.GetUploadURLExternalContext(testCtx(t), slack.GetUploadURLExternalParameters{FileName: "a", FileSize: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = api.CompleteUploadExternalContext(testCtx(t), slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: "F404"}}, Channel: "C1",
	})
	if slackErr(err) != "file_not_found" {
		t.Fatalf("complete unknown file: %v", err)
	}
}
