package monitor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
)

// maxShownAlerts is how many alerts a group message details; the rest are
// counted in one line.
const maxShownAlerts = 8

// extras is what other domains say about the hosts in a group, and the
// configured limits that shape its buttons.
type extras struct {
	Owners map[string]string // host -> owner
	OnCall string            // user id, empty when unknown
	// MaxSilence hides Silence buttons longer than it; zero hides none.
	MaxSilence time.Duration
}

// silenceButtons are the durations offered as Silence buttons.
var silenceButtons = []struct {
	Suffix string
	D      time.Duration
}{{"1h", time.Hour}, {"4h", 4 * time.Hour}, {"24h", 24 * time.Hour}}

// renderGroup builds the message for one alert group.
func renderGroup(g *group, x extras, now time.Time) bot.Message {
	m := g.Msg
	t := g.tally()
	firing, resolved := t.Firing, t.Resolved
	name := groupName(m)
	sev := severityOf(m.CommonLabels)
	silenced := g.Silence != nil && g.Silence.Until.After(now)

	var head, fallback string
	if m.Status == alertmanager.StatusResolved {
		head = fmt.Sprintf(":large_green_circle: *RESOLVED: %s* · %d resolved · fired for %s", name, resolved, fmtDuration(t.firedFor()))
		fallback = fmt.Sprintf("[RESOLVED] %s", name)
	} else {
		icon := ":fire:"
		if silenced {
			icon = ":no_bell:"
		}
		head = fmt.Sprintf("%s *FIRING: %s* · %d firing", icon, name, firing)
		if resolved > 0 {
			head += fmt.Sprintf(", %d resolved", resolved)
		}
		fallback = fmt.Sprintf("[FIRING:%d] %s", firing, name)
	}
	if sev != "" {
		head += " · severity *" + sev + "*"
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head, false, false), nil, nil),
	}
	if s := labelList(m.CommonLabels, map[string]string{"severity": m.CommonLabels["severity"]}); s != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, s, false, false)))
	}
	alerts := sortedAlerts(m.Alerts)
	for i, a := range alerts {
		if i == maxShownAlerts {
			f, _ := countAlerts(alerts[:i])
			more, moreFiring := firing+resolved-i, firing-f
			blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
				fmt.Sprintf("… and %d more alerts (%d firing, %d resolved)", more, moreFiring, more-moreFiring), false, false)))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, alertText(a, m, x), false, false), nil, nil))
	}
	if m.TruncatedAlerts > 0 {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf("Alertmanager left out %d more alerts of this group.", m.TruncatedAlerts), false, false)))
	}
	if st := statusLines(g, now); len(st) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, strings.Join(st, "\n"), false, false)))
	}
	if btns := buttons(g, x, now); len(btns) > 0 {
		blocks = append(blocks, slack.NewActionBlock("alert.actions", btns...))
	}
	return bot.Message{Channel: g.Channel, Text: fallback, Blocks: blocks}
}

// alertText is one alert: summary, description, key labels, links and
// who owns the host.
func alertText(a alertmanager.Alert, m alertmanager.Message, x extras) string {
	icon := ":red_circle:"
	if !a.Firing() {
		icon = ":white_check_mark:"
	}
	title := a.Annotations["summary"]
	if title == "" {
		title = a.Labels["alertname"]
	}
	lines := []string{icon + " *" + escape(title) + "*"}
	if s := labelList(a.Labels, m.CommonLabels); s != "" {
		lines[0] += "  " + s
	}
	if d := a.Annotations["description"]; d != "" {
		lines = append(lines, truncate(escape(d), 500))
	}
	var links []string
	if a.GeneratorURL != "" {
		links = append(links, "<"+a.GeneratorURL+"|Source>")
	}
	if u := annotation(a, m, "runbook_url"); u != "" {
		links = append(links, "<"+u+"|Runbook>")
	}
	if u := annotation(a, m, "dashboard"); u != "" {
		links = append(links, "<"+u+"|Dashboard>")
	}
	if len(links) > 0 {
		lines = append(lines, strings.Join(links, " · "))
	}
	if h := hostOf(a.Labels); h != "" {
		if owner, ok := x.Owners[h]; ok {
			l := "Host " + h + " · owner " + userRef(owner)
			if x.OnCall != "" {
				l += " · on call " + userRef(x.OnCall)
			}
			lines = append(lines, l)
		}
	}
	return truncate(strings.Join(lines, "\n"), 2900)
}

// statusLines say who acknowledged, silenced or opened an incident.
func statusLines(g *group, now time.Time) []string {
	var out []string
	if g.Ack != nil {
		out = append(out, fmt.Sprintf(":eyes: Acknowledged by %s at %s", userRef(g.Ack.User), g.Ack.At.UTC().Format("Jan 2 15:04 MST")))
	}
	if s := g.Silence; s != nil {
		if s.Until.After(now) {
			out = append(out, fmt.Sprintf(":no_bell: Silenced by %s until %s (silence `%s`)", userRef(s.User), s.Until.UTC().Format("Jan 2 15:04 MST"), s.ID))
		} else {
			out = append(out, fmt.Sprintf(":bell: No longer silenced: the silence by %s ended %s (silence `%s`)", userRef(s.User), s.Until.UTC().Format("Jan 2 15:04 MST"), s.ID))
		}
	}
	if g.Incident != "" {
		out = append(out, ":rotating_light: Incident "+g.Incident+" opened for this alert")
	}
	if g.Episode != "" && g.Episode != "0" {
		l := ":repeat: Fired again after it resolved"
		if g.PrevIncident != "" {
			l += "; previously incident " + g.PrevIncident
		}
		out = append(out, l)
	}
	return out
}

// buttons are the actions that make sense in the group's state.
func buttons(g *group, x extras, now time.Time) []slack.BlockElement {
	var out []slack.BlockElement
	btn := func(id, label string, style slack.Style) {
		b := slack.NewButtonBlockElement(id, g.ID, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
		b.Style = style
		out = append(out, b)
	}
	if g.Msg.Status == alertmanager.StatusFiring {
		if g.Ack == nil {
			btn(actionAck, "Acknowledge", slack.StylePrimary)
		}
		if g.Silence == nil || !g.Silence.Until.After(now) {
			for _, b := range silenceButtons {
				if x.MaxSilence == 0 || b.D <= x.MaxSilence {
					btn(actionSilence+b.Suffix, "Silence "+b.Suffix, "")
				}
			}
		} else {
			btn(actionUnsilence, "Unsilence", "")
		}
		if g.Incident == "" {
			btn(actionIncident, "Open incident", slack.StyleDanger)
		}
	}
	if u := runbook(g.Msg); u != "" {
		b := slack.NewButtonBlockElement(actionRunbook, g.ID, slack.NewTextBlockObject(slack.PlainTextType, "Runbook", false, false))
		b.URL = u
		out = append(out, b)
	}
	return out
}

// renderDigest is the one message that stands for the groups folded into
// a channel's storm digest.
func renderDigest(channel string, groups []*group, now time.Time) bot.Message {
	sort.Slice(groups, func(i, j int) bool {
		fi, fj := groups[i].Msg.Status == alertmanager.StatusFiring, groups[j].Msg.Status == alertmanager.StatusFiring
		if fi != fj {
			return fi
		}
		return groupName(groups[i].Msg)+groups[i].ID < groupName(groups[j].Msg)+groups[j].ID
	})
	var firing, resolved int
	var lines []string
	for _, g := range groups {
		t := g.tally()
		f, r := t.Firing, t.Resolved
		firing += f
		resolved += r
		var l string
		if g.Msg.Status == alertmanager.StatusResolved {
			l = fmt.Sprintf(":large_green_circle: *%s* — %d resolved, fired for %s", groupName(g.Msg), r, fmtDuration(t.firedFor()))
		} else {
			l = fmt.Sprintf(":fire: *%s* — %d firing", groupName(g.Msg), f)
			if r > 0 {
				l += fmt.Sprintf(", %d resolved", r)
			}
		}
		if s := labelList(g.Msg.GroupLabels, map[string]string{"alertname": g.Msg.GroupLabels["alertname"]}); s != "" {
			l += "  " + s
		}
		lines = append(lines, l)
	}
	head := fmt.Sprintf(":thunder_cloud_and_rain: *Alert storm* — %d groups arrived faster than this channel can take messages, so they are summed up here: %d alerts firing, %d resolved. Use `alerts` for details.", len(groups), firing, resolved)
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head, false, false), nil, nil)}
	const perSection, maxLines = 15, 45
	for i := 0; i < len(lines) && i < maxLines; i += perSection {
		end := min(i+perSection, len(lines), maxLines)
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(strings.Join(lines[i:end], "\n"), 2900), false, false), nil, nil))
	}
	if len(lines) > maxLines {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("… and %d more groups", len(lines)-maxLines), false, false)))
	}
	text := fmt.Sprintf("[STORM] %d alert groups: %d firing, %d resolved", len(groups), firing, resolved)
	return bot.Message{Channel: channel, Text: text, Blocks: blocks}
}

func countAlerts(as []alertmanager.Alert) (firing, resolved int) {
	for _, a := range as {
		if a.Firing() {
			firing++
		} else {
			resolved++
		}
	}
	return
}

// firedFor is how long the group fired: first start to last end.
func (t tally) firedFor() time.Duration {
	if t.Start.IsZero() || t.End.Before(t.Start) {
		return 0
	}
	return t.End.Sub(t.Start)
}

func groupName(m alertmanager.Message) string {
	for _, l := range []map[string]string{m.GroupLabels, m.CommonLabels} {
		if n := l["alertname"]; n != "" {
			return escape(n)
		}
	}
	if len(m.Alerts) > 0 && m.Alerts[0].Labels["alertname"] != "" {
		return escape(m.Alerts[0].Labels["alertname"]) + " and others"
	}
	return "alerts"
}

func severityOf(labels map[string]string) string { return escape(labels["severity"]) }

// hostOf is the host an alert is about: label host, or instance without port.
func hostOf(labels map[string]string) string {
	if h := labels["host"]; h != "" {
		return h
	}
	h := labels["instance"]
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}

// sortedAlerts puts firing alerts first, then orders by labels.
func sortedAlerts(as []alertmanager.Alert) []alertmanager.Alert {
	out := append([]alertmanager.Alert(nil), as...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Firing() != out[j].Firing() {
			return out[i].Firing()
		}
		return labelList(out[i].Labels, nil) < labelList(out[j].Labels, nil)
	})
	return out
}

// labelList writes labels not in skip as `k=v` codes, sorted, at most 6.
func labelList(labels, skip map[string]string) string {
	var keys []string
	for k, v := range labels {
		if k == "alertname" || (skip != nil && skip[k] == v) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for i, k := range keys {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("+%d", len(keys)-i))
			break
		}
		parts = append(parts, "`"+escape(k+"="+labels[k])+"`")
	}
	return strings.Join(parts, " ")
}

func annotation(a alertmanager.Alert, m alertmanager.Message, name string) string {
	if v := a.Annotations[name]; v != "" {
		return v
	}
	return m.CommonAnnotations[name]
}

// runbook is the group's runbook URL, if any alert has one.
func runbook(m alertmanager.Message) string {
	if u := m.CommonAnnotations["runbook_url"]; u != "" {
		return u
	}
	for _, a := range m.Alerts {
		if u := a.Annotations["runbook_url"]; u != "" {
			return u
		}
	}
	return ""
}

// userRef mentions a Slack user id and leaves other names as they are.
func userRef(u string) string {
	if len(u) > 1 && (u[0] == 'U' || u[0] == 'W') && strings.ToUpper(u) == u {
		return "<@" + u + ">"
	}
	return escape(u)
}

// escape keeps Slack from reading &, < and > as markup.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:len(r)-1]) + "…"
}

// fmtDuration writes 90s, 12m, 3h5m, 2d4h.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}
