package monitor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
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
	// Loc writes the fallback of the times shown (nil: UTC).
	Loc *time.Location
}

// silenceButtons are the durations offered as Silence buttons.
var silenceButtons = []struct {
	Suffix string
	D      time.Duration
}{{"1h", time.Hour}, {"4h", 4 * time.Hour}, {"24h", 24 * time.Hour}}

// Lengths of alert text before it is escaped: long values are cut so
// that eight alerts fit a message.
const (
	maxTitle       = 200
	maxDescription = 500
	maxLabel       = 100 // one k=v
	maxName        = 150 // a group's name
	maxFallback    = 300 // the notification text
)

// renderGroup builds the message for one alert group. Everything from
// the alerts is escaped and every link is an http(s) URL (blocks.Link),
// so no label or annotation posts a mention or a foreign link.
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
	out := []slack.Block{blocks.Section(head)}
	if s := labelList(m.CommonLabels, map[string]string{"severity": m.CommonLabels["severity"]}); s != "" {
		out = append(out, blocks.Context(s))
	}
	var dropped []string // links not shown, for one note
	alerts := sortedAlerts(m.Alerts)
	for i, a := range alerts {
		if i == maxShownAlerts {
			f, _ := countAlerts(alerts[:i])
			more, moreFiring := firing+resolved-i, firing-f
			out = append(out, blocks.Context(fmt.Sprintf("… and %s (%d firing, %d resolved)", blocks.Count(more, "more alert"), moreFiring, more-moreFiring)))
			break
		}
		text, bad := alertText(a, m, x)
		dropped = append(dropped, bad...)
		out = append(out, blocks.Section(text))
	}
	if m.TruncatedAlerts > 0 {
		out = append(out, blocks.Context(fmt.Sprintf("Alertmanager left out %s of this group.", blocks.Count(int(m.TruncatedAlerts), "more alert"))))
	}
	btns, bad := buttons(g, x, now)
	dropped = append(dropped, bad...)
	st := statusLines(g, x.Loc, now)
	if note := droppedNote(dropped); note != "" {
		st = append(st, note)
	}
	if len(st) > 0 {
		out = append(out, blocks.Context(strings.Join(st, "\n")))
	}
	if len(btns) > 0 {
		out = append(out, blocks.Actions("alert.actions", btns...))
	}
	return bot.Message{Channel: g.Channel, Text: blocks.Cut(fallback, maxFallback), Blocks: out}
}

// alertText is one alert: summary, description, key labels, links and
// who owns the host. It also names the links it left out because they
// were not http(s) URLs.
func alertText(a alertmanager.Alert, m alertmanager.Message, x extras) (string, []string) {
	icon := ":red_circle:"
	if !a.Firing() {
		icon = ":white_check_mark:"
	}
	title := a.Annotations["summary"]
	if title == "" {
		title = a.Labels["alertname"]
	}
	lines := []string{icon + " *" + blocks.EscapeCut(title, maxTitle) + "*"}
	if s := labelList(a.Labels, m.CommonLabels); s != "" {
		lines[0] += "  " + s
	}
	if d := a.Annotations["description"]; d != "" {
		lines = append(lines, blocks.EscapeCut(d, maxDescription))
	}
	var links, dropped []string
	for _, l := range []struct{ url, label string }{
		{a.GeneratorURL, "Source"},
		{annotation(a, m, "runbook_url"), "Runbook"},
		{annotation(a, m, "dashboard"), "Dashboard"},
	} {
		if l.url == "" {
			continue
		}
		if link, ok := blocks.Link(l.url, l.label); ok {
			links = append(links, link)
		} else {
			dropped = append(dropped, strings.ToLower(l.label))
		}
	}
	if len(links) > 0 {
		lines = append(lines, strings.Join(links, " · "))
	}
	if h := hostOf(a.Labels); h != "" {
		if owner, ok := x.Owners[h]; ok {
			l := "Host " + blocks.EscapeCut(h, maxLabel) + " · owner " + blocks.Mention(owner)
			if x.OnCall != "" {
				l += " · on call " + blocks.Mention(x.OnCall)
			}
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), dropped
}

// droppedNote says which links were left out, once per kind.
func droppedNote(kinds []string) string {
	if len(kinds) == 0 {
		return ""
	}
	seen := map[string]bool{}
	var uniq []string
	for _, k := range kinds {
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	if len(uniq) == 1 {
		return ":warning: Not shown: the " + uniq[0] + " link (not an http(s) URL)"
	}
	return ":warning: Not shown: the " + strings.Join(uniq[:len(uniq)-1], ", ") + " and " + uniq[len(uniq)-1] + " links (not http(s) URLs)"
}

// statusLines say who acknowledged, silenced or opened an incident; times
// are Slack dates, shown in each reader's zone (loc for the fallback).
func statusLines(g *group, loc *time.Location, now time.Time) []string {
	var out []string
	if g.Ack != nil {
		out = append(out, fmt.Sprintf(":eyes: Acknowledged by %s at %s", blocks.Mention(g.Ack.User), blocks.Date(g.Ack.At, loc)))
	}
	if s := g.Silence; s != nil {
		if s.Until.After(now) {
			out = append(out, fmt.Sprintf(":no_bell: Silenced by %s until %s (silence %s)", blocks.Mention(s.User), blocks.Date(s.Until, loc), blocks.Inline(s.ID)))
		} else {
			out = append(out, fmt.Sprintf(":bell: No longer silenced: the silence by %s ended %s (silence %s)", blocks.Mention(s.User), blocks.Date(s.Until, loc), blocks.Inline(s.ID)))
		}
	}
	if g.Incident != "" {
		out = append(out, ":rotating_light: Incident "+blocks.Escape(g.Incident)+" opened for this alert")
	}
	if g.Episode != "" && g.Episode != "0" {
		l := ":repeat: Fired again after it resolved"
		if g.PrevIncident != "" {
			l += "; previously incident " + blocks.Escape(g.PrevIncident)
		}
		out = append(out, l)
	}
	return out
}

// buttons are the actions that make sense in the group's state; a
// runbook that is not an http(s) URL gets no button and is named in the
// second result.
func buttons(g *group, x extras, now time.Time) ([]slack.BlockElement, []string) {
	var out []slack.BlockElement
	btn := func(id, label string, style slack.Style) {
		out = append(out, blocks.Button(id, label, g.ID, style))
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
	if raw := runbook(g.Msg); raw != "" {
		u, ok := blocks.SafeURL(raw)
		if !ok {
			return out, []string{"runbook"}
		}
		b := blocks.Button(actionRunbook, "Runbook", g.ID, "")
		b.URL = u
		out = append(out, b)
	}
	return out, nil
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
	arrived, they := blocks.Count(len(groups), "group")+" arrived", "they are"
	if len(groups) == 1 {
		arrived, they = "a group arrived", "it is"
	}
	head := fmt.Sprintf(":thunder_cloud_and_rain: *Alert storm* — %s faster than this channel can take messages, so %s summed up here: %s firing, %d resolved. Use `alerts` for details.",
		arrived, they, blocks.Count(firing, "alert"), resolved)
	out := []slack.Block{blocks.Section(head)}
	const perSection, maxLines = 15, 45
	for i := 0; i < len(lines) && i < maxLines; i += perSection {
		end := min(i+perSection, len(lines), maxLines)
		out = append(out, blocks.Section(strings.Join(lines[i:end], "\n")))
	}
	if len(lines) > maxLines {
		out = append(out, blocks.Context(fmt.Sprintf("… and %s", blocks.Count(len(lines)-maxLines, "more group"))))
	}
	text := fmt.Sprintf("[STORM] %s: %d firing, %d resolved", blocks.Count(len(groups), "alert group"), firing, resolved)
	return bot.Message{Channel: channel, Text: text, Blocks: out}
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

// groupTitle names a group in plain text (for incident titles, audit
// entries and silence comments, which escape for themselves).
func groupTitle(m alertmanager.Message) string {
	for _, l := range []map[string]string{m.GroupLabels, m.CommonLabels} {
		if n := l["alertname"]; n != "" {
			return n
		}
	}
	if len(m.Alerts) > 0 && m.Alerts[0].Labels["alertname"] != "" {
		return m.Alerts[0].Labels["alertname"] + " and others"
	}
	return "alerts"
}

// groupName names a group in Slack text: escaped and cut.
func groupName(m alertmanager.Message) string { return blocks.EscapeCut(groupTitle(m), maxName) }

func severityOf(labels map[string]string) string {
	return blocks.EscapeCut(labels["severity"], maxLabel)
}

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
	type keyed struct {
		a   alertmanager.Alert
		key string
	}
	ks := make([]keyed, len(as))
	for i, a := range as {
		ks[i] = keyed{a, labelList(a.Labels, nil)}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].a.Firing() != ks[j].a.Firing() {
			return ks[i].a.Firing()
		}
		return ks[i].key < ks[j].key
	})
	out := make([]alertmanager.Alert, len(ks))
	for i, k := range ks {
		out[i] = k.a
	}
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
		parts = append(parts, blocks.Inline(blocks.PlainCut(k+"="+labels[k], maxLabel)))
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
