package inventory

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
)

// parseINI reads an INI inventory into inv:
//
//	bastion.example.com            # before any section: ungrouped
//	[web]
//	web[01:03].example.com ansible_user=deploy
//	web-4 ansible_host=10.0.0.14 ansible_port=2222
//	[prod:children]
//	web
//	[prod:vars]
//	env=prod
func (inv *ansibleInv) parseINI(ps *problems, data []byte) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	group, kind := "ungrouped", "hosts"
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		if text[0] == '[' {
			g, k, ok := iniSection(ps, line, text)
			if !ok {
				group, kind = "", "" // skip the section's lines
				continue
			}
			group, kind = g, k
			inv.group(group, ps.file, line)
			continue
		}
		switch kind {
		case "":
		case "hosts":
			inv.iniHost(ps, line, group, text)
		case "children":
			child := strings.TrimSpace(stripComment(text))
			if !NameRe.MatchString(child) {
				ps.add(line, "["+group+":children]", "%q is not a group name", child)
				continue
			}
			inv.addChild(group, child, ps.file, line)
		case "vars":
			k, v, ok := strings.Cut(text, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				ps.add(line, "["+group+":vars]", "%q is not key=value", cutText(text))
				continue
			}
			inv.groups[group].vars[k] = ansibleVar{value: iniValue(v), scalar: true, file: ps.file, line: line}
		}
	}
	if err := sc.Err(); err != nil {
		ps.add(line+1, "", "cannot be read: %v", err)
	}
}

// iniSection reads "[web]", "[web:vars]" or "[web:children]".
func iniSection(ps *problems, line int, text string) (group, kind string, ok bool) {
	if !strings.HasSuffix(text, "]") {
		ps.add(line, "", "%q is not a section header: write [group], [group:vars] or [group:children]", cutText(text))
		return "", "", false
	}
	name := strings.TrimSpace(text[1 : len(text)-1])
	kind = "hosts"
	if g, suffix, has := strings.Cut(name, ":"); has {
		switch suffix {
		case "vars", "children":
			name, kind = g, suffix
		default:
			ps.add(line, text, "unknown section kind %q: use [%s], [%s:vars] or [%s:children]", suffix, g, g, g)
			return "", "", false
		}
	}
	if !NameRe.MatchString(name) {
		ps.add(line, text, "%q is not a group name: letters, digits and _.@:- only", name)
		return "", "", false
	}
	return name, kind, true
}

// iniHost reads "host[01:03] key=value …" in group.
func (inv *ansibleInv) iniHost(ps *problems, line int, group, text string) {
	words, err := shellWords(stripComment(text))
	if err != nil {
		ps.add(line, "["+group+"]", "%v", err)
		return
	}
	if len(words) == 0 {
		return
	}
	pattern := words[0]
	vars := map[string]ansibleVar{}
	if h, port, ok := strings.Cut(pattern, ":"); ok && !strings.Contains(port, ":") && port != "" && strings.Trim(port, "0123456789") == "" {
		pattern = h // "db-1:2222" is Ansible's way of giving the port
		vars["ansible_port"] = ansibleVar{value: port, scalar: true, file: ps.file, line: line}
	}
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			ps.add(line, "["+group+"] "+pattern, "%q is not key=value", cutText(w))
			return
		}
		vars[k] = ansibleVar{value: v, scalar: true, file: ps.file, line: line}
	}
	hosts, err := expandHosts(pattern)
	if err != nil {
		ps.add(line, "["+group+"]", "%v", err)
		return
	}
	for _, h := range hosts {
		if !NameRe.MatchString(h) {
			ps.add(line, "["+group+"]", "%q is not a host name", cutText(h))
			return
		}
		inv.addHost(group, h, ps.file, line, vars)
	}
}

// stripComment drops a " # comment" outside quotes.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// shellWords splits s at spaces outside quotes, removing the quotes.
func shellWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, errQuote
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

var errQuote = errors.New("a quote is not closed")

// iniValue is a [group:vars] value without surrounding quotes.
func iniValue(v string) string {
	v = strings.TrimSpace(stripComment(strings.TrimSpace(v)))
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// cutText shortens s for a message.
func cutText(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
