package slackemu

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"
)

type viewResp struct {
	OK   bool     `json:"ok"`
	View wireView `json:"view"`
}

// parseViewArg validates the view argument of a views.* call.
func parseViewArg(raw string, wantType ...string) (viewArg, string) {
	var v viewArg
	if raw == "" || json.Unmarshal([]byte(raw), &v) != nil {
		return v, "invalid_arguments"
	}
	if !slices.Contains(wantType, v.Type) {
		return v, "invalid_arguments"
	}
	if v.Type == "modal" {
		var title textObj
		if json.Unmarshal(v.Title, &title) != nil || title.Text == "" || utf8.RuneCountInString(title.Text) > 24 || title.Type != "plain_text" {
			return v, "invalid_arguments"
		}
		for _, label := range []json.RawMessage{v.Submit, v.Close} {
			var t textObj
			if len(label) > 0 && string(label) != "null" &&
				(json.Unmarshal(label, &t) != nil || t.Text == "" || utf8.RuneCountInString(t.Text) > 24 || t.Type != "plain_text") {
				return v, "invalid_arguments"
			}
		}
	}
	if utf8.RuneCountInString(v.PrivateMetadata) > 3000 || len(v.CallbackID) > 255 {
		return v, "invalid_arguments"
	}
	if len(v.Blocks) == 0 || string(v.Blocks) == "null" {
		return v, "invalid_arguments"
	}
	blocks, code := parseBlocks(string(v.Blocks), maxViewBlocks)
	if code != "" {
		return v, "invalid_arguments"
	}
	v.Blocks = blocks
	if v.Blocks == nil {
		v.Blocks = json.RawMessage("[]")
	}
	return v, ""
}

func (s *Server) newViewHash() string {
	return s.ts.next() + "." + randomHex(4)
}

// applyViewArgLocked sets a view's content from what the app sent.
func (s *Server) applyViewArgLocked(rec *viewRec, arg viewArg, raw string) {
	var title textObj
	_ = json.Unmarshal(arg.Title, &title)
	rec.arg = arg
	rec.Type = arg.Type
	rec.CallbackID = arg.CallbackID
	rec.PrivateMetadata = arg.PrivateMetadata
	rec.ExternalID = arg.ExternalID
	rec.Title = title.Text
	rec.Blocks = arg.Blocks
	rec.Raw = compact(raw)
	rec.Hash = s.newViewHash()
	rec.Updated = time.Now()
}

func (s *Server) newViewLocked(user, source string, arg viewArg, raw string) *viewRec {
	now := time.Now()
	rec := &viewRec{View: View{ID: s.ids.next("V"), User: user, Open: true, Opened: now, Source: source}}
	s.applyViewArgLocked(rec, arg, raw)
	rec.RootViewID = rec.ID
	s.views[rec.ID] = rec
	s.viewOrder = append(s.viewOrder, rec.ID)
	return rec
}

func (s *Server) externalIDTakenLocked(ext, except string) bool {
	if ext == "" {
		return false
	}
	for _, id := range s.viewOrder {
		if v := s.views[id]; v.ExternalID == ext && v.ID != except {
			return true
		}
	}
	return false
}

func (s *Server) viewsOpen(r *apiRequest) (any, string) {
	arg, code := parseViewArg(r.get("view"), "modal")
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	user, code := s.useTriggerLocked(r.get("trigger_id"))
	if code == "" && s.externalIDTakenLocked(arg.ExternalID, "") {
		code = "duplicate_external_id"
	}
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	s.closeStackLocked(user)
	rec := s.newViewLocked(user, "views.open", arg, r.get("view"))
	s.stacks[user] = []string{rec.ID}
	resp := viewResp{OK: true, View: toWireView(rec)}
	s.mu.Unlock()
	s.viewHub.notify()
	return resp, ""
}

func (s *Server) viewsPush(r *apiRequest) (any, string) {
	arg, code := parseViewArg(r.get("view"), "modal")
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	user, code := s.useTriggerLocked(r.get("trigger_id"))
	if code == "" && len(s.stacks[user]) >= 3 {
		code = "push_limit_reached"
	}
	if code == "" && s.externalIDTakenLocked(arg.ExternalID, "") {
		code = "duplicate_external_id"
	}
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	rec := s.pushViewLocked(user, "views.push", arg, r.get("view"))
	resp := viewResp{OK: true, View: toWireView(rec)}
	s.mu.Unlock()
	s.viewHub.notify()
	return resp, ""
}

func (s *Server) pushViewLocked(user, source string, arg viewArg, raw string) *viewRec {
	rec := s.newViewLocked(user, source, arg, raw)
	if stack := s.stacks[user]; len(stack) > 0 {
		rec.RootViewID = stack[0]
		rec.PreviousViewID = stack[len(stack)-1]
	}
	s.stacks[user] = append(s.stacks[user], rec.ID)
	return rec
}

func (s *Server) viewsUpdate(r *apiRequest) (any, string) {
	arg, code := parseViewArg(r.get("view"), "modal", "home")
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	var rec *viewRec
	if id := r.get("view_id"); id != "" {
		rec = s.views[id]
	} else if ext := r.get("external_id"); ext != "" {
		for _, id := range s.viewOrder {
			if v := s.views[id]; v.ExternalID == ext {
				rec = v
			}
		}
	}
	switch {
	case rec == nil:
		code = "not_found"
	case r.get("hash") != "" && r.get("hash") != rec.Hash:
		code = "hash_conflict"
	case arg.Type != rec.Type:
		code = "invalid_arguments"
	case s.externalIDTakenLocked(arg.ExternalID, rec.ID):
		code = "duplicate_external_id"
	}
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	s.applyViewArgLocked(rec, arg, r.get("view"))
	rec.Updates++
	resp := viewResp{OK: true, View: toWireView(rec)}
	s.mu.Unlock()
	s.viewHub.notify()
	return resp, ""
}

func (s *Server) viewsPublish(r *apiRequest) (any, string) {
	arg, code := parseViewArg(r.get("view"), "home")
	if code != "" {
		return nil, code
	}
	user := r.get("user_id")
	s.mu.Lock()
	u, ok := s.users[user]
	if !ok || u.Deleted {
		s.mu.Unlock()
		return nil, "user_not_found"
	}
	rec := s.views[s.homes[user]]
	if rec != nil && r.get("hash") != "" && r.get("hash") != rec.Hash {
		s.mu.Unlock()
		return nil, "hash_conflict"
	}
	if rec == nil {
		rec = s.newViewLocked(user, "views.publish", arg, r.get("view"))
		s.homes[user] = rec.ID
	} else {
		s.applyViewArgLocked(rec, arg, r.get("view"))
		rec.Updates++
	}
	resp := viewResp{OK: true, View: toWireView(rec)}
	s.mu.Unlock()
	s.viewHub.notify()
	return resp, ""
}

// closeStackLocked closes every modal the user has open.
func (s *Server) closeStackLocked(user string) {
	for _, id := range s.stacks[user] {
		s.views[id].Open = false
	}
	delete(s.stacks, user)
}

// popViewLocked closes the top modal of a user's stack if it is id.
func (s *Server) popViewLocked(user, id string) {
	stack := s.stacks[user]
	if n := len(stack); n > 0 && stack[n-1] == id {
		s.views[id].Open = false
		s.stacks[user] = stack[:n-1]
	}
}
