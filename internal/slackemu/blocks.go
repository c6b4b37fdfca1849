package slackemu

import (
	"encoding/json"
	"strconv"
	"strings"
)

// element is an interactive element found in a message or view.
type element struct {
	blockID string
	typ     string
	text    json.RawMessage
	options []option
}

type option struct {
	Text  json.RawMessage `json:"text"`
	Value string          `json:"value"`
}

type rawElement struct {
	Type         string          `json:"type"`
	ActionID     string          `json:"action_id"`
	Text         json.RawMessage `json:"text"`
	Options      []option        `json:"options"`
	OptionGroups []struct {
		Options []option `json:"options"`
	} `json:"option_groups"`
}

type rawBlock struct {
	Type      string          `json:"type"`
	BlockID   string          `json:"block_id"`
	Accessory json.RawMessage `json:"accessory"`
	Element   json.RawMessage `json:"element"`
	Elements  json.RawMessage `json:"elements"`
}

// findElement looks for the element with actionID (in block blockID, if
// given) among blocks.
func findElement(blocks json.RawMessage, blockID, actionID string) (element, bool) {
	var bs []rawBlock
	if json.Unmarshal(blocks, &bs) != nil {
		return element{}, false
	}
	for _, b := range bs {
		if blockID != "" && b.BlockID != blockID {
			continue
		}
		var cands []rawElement
		for _, raw := range []json.RawMessage{b.Accessory, b.Element} {
			var e rawElement
			if len(raw) > 0 && json.Unmarshal(raw, &e) == nil {
				cands = append(cands, e)
			}
		}
		var many []rawElement
		if len(b.Elements) > 0 && json.Unmarshal(b.Elements, &many) == nil {
			cands = append(cands, many...)
		}
		for _, e := range cands {
			if e.ActionID == actionID && e.ActionID != "" {
				opts := e.Options
				for _, g := range e.OptionGroups {
					opts = append(opts, g.Options...)
				}
				return element{blockID: b.BlockID, typ: e.Type, text: e.Text, options: opts}, true
			}
		}
	}
	return element{}, false
}

func randomBlockID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
	h := randomHex(5)
	var sb strings.Builder
	for i := 0; i < 5; i++ {
		n, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		sb.WriteByte(alphabet[int(n)%len(alphabet)])
	}
	return sb.String()
}

// actionValue is the state or action of an element of type typ holding
// value, in the shape Slack sends for that type.
func actionValue(typ, value string, opts []option) map[string]any {
	if typ == "" {
		typ = "plain_text_input"
	}
	v := map[string]any{"type": typ}
	pick := func(val string) map[string]any {
		for _, o := range opts {
			if o.Value == val {
				return map[string]any{"text": o.Text, "value": o.Value}
			}
		}
		return map[string]any{"text": map[string]any{"type": "plain_text", "text": val, "emoji": true}, "value": val}
	}
	switch typ {
	case "static_select", "external_select", "radio_buttons", "overflow":
		v["selected_option"] = pick(value)
	case "multi_static_select", "multi_external_select", "checkboxes":
		sel := []map[string]any{}
		for _, s := range splitList(value) {
			sel = append(sel, pick(s))
		}
		v["selected_options"] = sel
	case "users_select":
		v["selected_user"] = value
	case "multi_users_select":
		v["selected_users"] = nonNilList(value)
	case "conversations_select":
		v["selected_conversation"] = value
	case "multi_conversations_select":
		v["selected_conversations"] = nonNilList(value)
	case "channels_select":
		v["selected_channel"] = value
	case "multi_channels_select":
		v["selected_channels"] = nonNilList(value)
	case "datepicker":
		v["selected_date"] = value
	case "timepicker":
		v["selected_time"] = value
	case "datetimepicker":
		n, _ := strconv.ParseInt(value, 10, 64)
		v["selected_date_time"] = n
	default:
		v["value"] = value
	}
	return v
}

func nonNilList(v string) []string {
	if l := splitList(v); l != nil {
		return l
	}
	return []string{}
}
