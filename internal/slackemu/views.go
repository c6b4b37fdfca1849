package slackemu

import (
	"encoding/json"
	"slices"
	"time"
)

// View is a modal or App Home view as the bot last set it.
type View struct {
	ID              string
	Type            string // "modal" or "home"
	User            string
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Title           string
	Blocks          json.RawMessage
	RootViewID      string
	PreviousViewID  string
	Hash            string
	Open            bool // a modal still on the user's stack; home views are always open
	Updates         int
	Opened          time.Time
	Updated         time.Time
	Raw             json.RawMessage // the view object as the app sent it last
	Source          string          // the method that made it: views.open, views.push, views.publish or response_action
}

type viewRec struct {
	View
	arg viewArg
}

// viewArg is the view object an app sends.
type viewArg struct {
	Type            string          `json:"type"`
	Title           json.RawMessage `json:"title,omitempty"`
	Close           json.RawMessage `json:"close,omitempty"`
	Submit          json.RawMessage `json:"submit,omitempty"`
	Blocks          json.RawMessage `json:"blocks"`
	PrivateMetadata string          `json:"private_metadata,omitempty"`
	CallbackID      string          `json:"callback_id,omitempty"`
	ExternalID      string          `json:"external_id,omitempty"`
	ClearOnClose    bool            `json:"clear_on_close,omitempty"`
	NotifyOnClose   bool            `json:"notify_on_close,omitempty"`
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireView struct {
	ID                 string          `json:"id"`
	TeamID             string          `json:"team_id"`
	Type               string          `json:"type"`
	Title              json.RawMessage `json:"title,omitempty"`
	Close              json.RawMessage `json:"close,omitempty"`
	Submit             json.RawMessage `json:"submit,omitempty"`
	Blocks             json.RawMessage `json:"blocks"`
	PrivateMetadata    string          `json:"private_metadata"`
	CallbackID         string          `json:"callback_id"`
	State              json.RawMessage `json:"state"`
	Hash               string          `json:"hash"`
	ClearOnClose       bool            `json:"clear_on_close"`
	NotifyOnClose      bool            `json:"notify_on_close"`
	RootViewID         string          `json:"root_view_id"`
	PreviousViewID     *string         `json:"previous_view_id"`
	AppID              string          `json:"app_id"`
	ExternalID         string          `json:"external_id"`
	AppInstalledTeamID string          `json:"app_installed_team_id"`
	BotID              string          `json:"bot_id"`
}

func toWireView(v *viewRec) wireView {
	w := wireView{
		ID:                 v.ID,
		TeamID:             TeamID,
		Type:               v.Type,
		Title:              v.arg.Title,
		Close:              v.arg.Close,
		Submit:             v.arg.Submit,
		Blocks:             v.Blocks,
		PrivateMetadata:    v.PrivateMetadata,
		CallbackID:         v.CallbackID,
		State:              json.RawMessage(`{"values":{}}`),
		Hash:               v.Hash,
		ClearOnClose:       v.arg.ClearOnClose,
		NotifyOnClose:      v.arg.NotifyOnClose,
		RootViewID:         v.RootViewID,
		AppID:              AppID,
		ExternalID:         v.ExternalID,
		AppInstalledTeamID: TeamID,
		BotID:              BotID,
	}
	if v.PreviousViewID != "" {
		w.PreviousViewID = &v.PreviousViewID
	}
	return w
}

func (v *viewRec) snapshot() View {
	out := v.View
	out.Blocks = slices.Clone(v.Blocks)
	out.Raw = slices.Clone(v.Raw)
	return out
}

// Views returns every view the bot opened, pushed or published, in order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.viewOrder))
	for _, id := range s.viewOrder {
		out = append(out, s.views[id].snapshot())
	}
	return out
}

// View returns one view by ID.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[id]
	if !ok {
		return View{}, false
	}
	return v.snapshot(), true
}

// OpenModals returns the user's modal stack, root first.
func (s *Server) OpenModals(user string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.stacks[user] {
		out = append(out, s.views[id].snapshot())
	}
	return out
}

// HomeView returns the App Home view published for a user.
func (s *Server) HomeView(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[s.homes[user]]
	if !ok {
		return View{}, false
	}
	return v.snapshot(), true
}
