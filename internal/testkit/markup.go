package testkit

import (
	"encoding/json"
	"regexp"
	"testing"
)

// Token is one <…> in a text field of Block Kit: what Slack turns into a
// mention, a link or a date. In is the text it stands in.
type Token struct {
	Token, In string
}

var slackToken = regexp.MustCompile(`<[^<>]*>`)

// LiveMarkup walks a Block Kit document (a message's blocks as JSON) and
// returns what Slack would make live in it: the tokens of its "text"
// fields and the values of its "url" fields (button links). Tests of
// hostile input check each against what opsbot itself may post.
func LiveMarkup(tb testing.TB, blocks []byte) (tokens []Token, urls []string) {
	tb.Helper()
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			switch key {
			case "text":
				for _, tok := range slackToken.FindAllString(v, -1) {
					tokens = append(tokens, Token{Token: tok, In: v})
				}
			case "url":
				urls = append(urls, v)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(blocks, &doc); err != nil {
		tb.Fatalf("read blocks: %v", err)
	}
	walk("", doc)
	return tokens, urls
}
