package slackemu

import (
	"encoding/json"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// Slack's documented Block Kit limits, which the emulator enforces so that
// a message real Slack would refuse is refused here too (invalid_blocks
// for chat calls, invalid_arguments for views).
const (
	maxBlockID       = 255
	maxActionID      = 255
	maxSectionText   = 3000
	maxField         = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxContextItems  = 10
	maxActionsItems  = 25
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxURL           = 3000
	maxOptionText    = 75
	maxOptionValue   = 150
	maxOptions       = 100
	maxPlaceholder   = 150
	maxInputLabel    = 2000
	maxInputHint     = 2000
	maxInputLength   = 3000
	maxImageAltText  = 2000
	maxContextText   = 3000
	maxConfirmTitle  = 100
	maxConfirmText   = 300
	maxConfirmButton = 30
)

// blockProblem says what in blocks Slack would refuse, in the form of
// Slack's response_metadata messages ("must be at most 3000 characters
// [json-pointer:/blocks/0/text/text]"), or "" when nothing.
func blockProblem(blocks []any, inView bool) string {
	for i, b := range blocks {
		if p := checkBlock(b, fmt.Sprintf("/blocks/%d", i), inView); p != "" {
			return p
		}
	}
	return ""
}

type checker struct{ problem string }

func (c *checker) fail(ptr, format string, a ...any) {
	if c.problem == "" {
		c.problem = fmt.Sprintf(format, a...) + " [json-pointer:" + ptr + "]"
	}
}

func checkBlock(raw any, ptr string, inView bool) string {
	c := &checker{}
	b, ok := raw.(map[string]any)
	if !ok {
		c.fail(ptr, "must be an object")
		return c.problem
	}
	typ, _ := b["type"].(string)
	if id, ok := b["block_id"].(string); ok {
		c.maxLen(ptr+"/block_id", id, maxBlockID)
	}
	switch typ {
	case "section":
		text, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			c.fail(ptr, "must provide either text or fields")
		}
		if hasText {
			c.text(ptr+"/text", text, maxSectionText, true)
		}
		if hasFields {
			if len(fields) > maxFields {
				c.fail(ptr+"/fields", "must have at most %d items", maxFields)
			}
			for i, f := range fields {
				c.text(fmt.Sprintf("%s/fields/%d", ptr, i), f, maxField, true)
			}
		}
		if acc, ok := b["accessory"]; ok {
			c.element(ptr+"/accessory", acc)
		}
	case "header":
		c.plain(ptr+"/text", b["text"], maxHeaderText)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > maxContextItems {
			c.fail(ptr+"/elements", "must have 1 to %d items", maxContextItems)
		}
		for i, e := range els {
			p := fmt.Sprintf("%s/elements/%d", ptr, i)
			if m, ok := e.(map[string]any); ok && m["type"] == "image" {
				c.image(p, m)
				continue
			}
			c.text(p, e, maxContextText, true)
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > maxActionsItems {
			c.fail(ptr+"/elements", "must have 1 to %d items", maxActionsItems)
		}
		for i, e := range els {
			c.element(fmt.Sprintf("%s/elements/%d", ptr, i), e)
		}
	case "input":
		if !inView {
			// Slack takes input blocks in messages only from some surfaces;
			// opsbot never posts them, so refusing one catches a mistake.
			c.fail(ptr, "input blocks are only allowed in views")
		}
		c.plain(ptr+"/label", b["label"], maxInputLabel)
		if h, ok := b["hint"]; ok {
			c.plain(ptr+"/hint", h, maxInputHint)
		}
		if el, ok := b["element"]; ok {
			c.element(ptr+"/element", el)
		} else {
			c.fail(ptr+"/element", "is required")
		}
	case "image":
		c.image(ptr, b)
	case "divider", "file", "rich_text", "video":
	default:
		c.fail(ptr+"/type", "unknown block type %q", typ)
	}
	return c.problem
}

// text checks a text object of either type.
func (c *checker) text(ptr string, raw any, max int, required bool) {
	t, ok := raw.(map[string]any)
	if !ok {
		c.fail(ptr, "must be a text object")
		return
	}
	if typ := t["type"]; typ != "plain_text" && typ != "mrkdwn" {
		c.fail(ptr+"/type", "must be plain_text or mrkdwn")
	}
	s, _ := t["text"].(string)
	if required && s == "" {
		c.fail(ptr+"/text", "must be more than 0 characters")
	}
	c.maxLen(ptr+"/text", s, max)
}

// plain checks a text object that must be plain_text.
func (c *checker) plain(ptr string, raw any, max int) {
	if t, ok := raw.(map[string]any); ok && t["type"] != "plain_text" {
		c.fail(ptr+"/type", "must be plain_text")
		return
	}
	c.text(ptr, raw, max, true)
}

func (c *checker) maxLen(ptr, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		c.fail(ptr, "must be at most %d characters (has %d)", max, n)
	}
}

func (c *checker) url(ptr, s string) {
	c.maxLen(ptr, s, maxURL)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.fail(ptr, "must be a valid http or https URL")
	}
}

func (c *checker) image(ptr string, m map[string]any) {
	s, _ := m["image_url"].(string)
	if s == "" {
		if _, ok := m["slack_file"]; !ok {
			c.fail(ptr+"/image_url", "is required")
		}
	} else {
		c.url(ptr+"/image_url", s)
	}
	alt, _ := m["alt_text"].(string)
	if alt == "" {
		c.fail(ptr+"/alt_text", "must be more than 0 characters")
	}
	c.maxLen(ptr+"/alt_text", alt, maxImageAltText)
}

// element checks an interactive element.
func (c *checker) element(ptr string, raw any) {
	e, ok := raw.(map[string]any)
	if !ok {
		c.fail(ptr, "must be an object")
		return
	}
	if id, ok := e["action_id"].(string); ok {
		c.maxLen(ptr+"/action_id", id, maxActionID)
	}
	if p, ok := e["placeholder"]; ok {
		c.plain(ptr+"/placeholder", p, maxPlaceholder)
	}
	if conf, ok := e["confirm"].(map[string]any); ok {
		c.plain(ptr+"/confirm/title", conf["title"], maxConfirmTitle)
		c.text(ptr+"/confirm/text", conf["text"], maxConfirmText, true)
		c.plain(ptr+"/confirm/confirm", conf["confirm"], maxConfirmButton)
		c.plain(ptr+"/confirm/deny", conf["deny"], maxConfirmButton)
	}
	switch e["type"] {
	case "button":
		c.plain(ptr+"/text", e["text"], maxButtonText)
		if v, ok := e["value"].(string); ok {
			c.maxLen(ptr+"/value", v, maxButtonValue)
		}
		if u, ok := e["url"].(string); ok {
			c.url(ptr+"/url", u)
		}
	case "static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes":
		opts, _ := e["options"].([]any)
		if len(opts) > maxOptions {
			c.fail(ptr+"/options", "must have at most %d items", maxOptions)
		}
		for i, o := range opts {
			c.option(fmt.Sprintf("%s/options/%d", ptr, i), o)
		}
		if groups, ok := e["option_groups"].([]any); ok {
			for gi, g := range groups {
				gm, _ := g.(map[string]any)
				gopts, _ := gm["options"].([]any)
				for i, o := range gopts {
					c.option(fmt.Sprintf("%s/option_groups/%d/options/%d", ptr, gi, i), o)
				}
			}
		}
	case "plain_text_input":
		if n, ok := e["max_length"].(float64); ok && (n < 1 || n > maxInputLength) {
			c.fail(ptr+"/max_length", "must be from 1 to %d", maxInputLength)
		}
		if n, ok := e["min_length"].(float64); ok && (n < 0 || n > maxInputLength) {
			c.fail(ptr+"/min_length", "must be from 0 to %d", maxInputLength)
		}
		if v, ok := e["initial_value"].(string); ok {
			if n, ok := e["max_length"].(float64); ok && utf8.RuneCountInString(v) > int(n) {
				c.fail(ptr+"/initial_value", "must be at most max_length characters")
			}
		}
	case "image":
		c.image(ptr, e)
	}
}

func (c *checker) option(ptr string, raw any) {
	o, ok := raw.(map[string]any)
	if !ok {
		c.fail(ptr, "must be an object")
		return
	}
	c.text(ptr+"/text", o["text"], maxOptionText, true)
	v, _ := o["value"].(string)
	c.maxLen(ptr+"/value", v, maxOptionValue)
	if d, ok := o["description"]; ok {
		c.text(ptr+"/description", d, maxOptionText, false)
	}
}

// decodeAny decodes a JSON array of blocks for checking; nil when it is
// not one (parseBlocks reports that itself).
func decodeAny(raw string) []any {
	var v []any
	_ = json.Unmarshal([]byte(raw), &v)
	return v
}

// requestBlockProblem explains why the blocks of a chat or views call
// were refused, for the answer's response_metadata and the call log.
func requestBlockProblem(r *apiRequest) string {
	if raw := r.get("blocks"); raw != "" {
		return blockProblem(decodeAny(raw), false)
	}
	if raw := r.get("view"); raw != "" {
		var v struct {
			Blocks []any `json:"blocks"`
		}
		if json.Unmarshal([]byte(raw), &v) == nil {
			return blockProblem(v.Blocks, true)
		}
	}
	return ""
}
