package slackemu

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a Web API request body, as Slack does.
const maxBody = 8 << 20

// apiRequest is a decoded Web API call.
type apiRequest struct {
	method string
	params url.Values
	body   json.RawMessage // set for JSON requests
	token  string
	bearer bool // the token came in an Authorization: Bearer header
}

func (r *apiRequest) get(key string) string { return r.params.Get(key) }

// apiFunc answers one method: a response value with "ok":true, or a Slack
// error code.
type apiFunc func(s *Server, r *apiRequest) (resp any, errCode string)

// tokenKind says which token a method accepts.
type tokenKind int

const (
	needBot tokenKind = iota
	needApp
)

type apiMethod struct {
	fn    apiFunc
	token tokenKind
}

// apiMethods lists the Web API methods the emulator serves.
func apiMethods() map[string]apiMethod {
	bot := func(fn apiFunc) apiMethod { return apiMethod{fn: fn} }
	return map[string]apiMethod{
		"auth.test":                    bot((*Server).authTest),
		"apps.connections.open":        {fn: (*Server).appsConnectionsOpen, token: needApp},
		"chat.postMessage":             bot((*Server).chatPostMessage),
		"chat.update":                  bot((*Server).chatUpdate),
		"chat.postEphemeral":           bot((*Server).chatPostEphemeral),
		"chat.delete":                  bot((*Server).chatDelete),
		"chat.getPermalink":            bot((*Server).chatGetPermalink),
		"pins.add":                     bot((*Server).pinsAdd),
		"conversations.create":         bot((*Server).conversationsCreate),
		"conversations.invite":         bot((*Server).conversationsInvite),
		"conversations.info":           bot((*Server).conversationsInfo),
		"conversations.open":           bot((*Server).conversationsOpen),
		"conversations.join":           bot((*Server).conversationsJoin),
		"conversations.members":        bot((*Server).conversationsMembers),
		"users.info":                   bot((*Server).usersInfo),
		"users.list":                   bot((*Server).usersList),
		"users.lookupByEmail":          bot((*Server).usersLookupByEmail),
		"usergroups.list":              bot((*Server).usergroupsList),
		"usergroups.users.update":      bot((*Server).usergroupsUsersUpdate),
		"views.open":                   bot((*Server).viewsOpen),
		"views.push":                   bot((*Server).viewsPush),
		"views.update":                 bot((*Server).viewsUpdate),
		"views.publish":                bot((*Server).viewsPublish),
		"files.getUploadURLExternal":   bot((*Server).filesGetUploadURLExternal),
		"files.completeUploadExternal": bot((*Server).filesCompleteUploadExternal),
	}
}

// okResp is the body of a successful answer with no other fields.
type okResp struct {
	OK bool `json:"ok"`
}

type errResp struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// errMetaResp is an error with Slack's explanation of what was refused.
type errMetaResp struct {
	OK    bool     `json:"ok"`
	Error string   `json:"error"`
	Meta  respMeta `json:"response_metadata"`
}

type respMeta struct {
	Messages []string `json:"messages"`
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	req, err := decodeAPIRequest(r)
	call := Call{Method: req.method, Params: withoutToken(req.params), Body: req.body, Time: start}
	status, code := s.answerAPI(w, req, err)
	call.Status, call.Error = status, code
	if code == "invalid_blocks" || code == "invalid_arguments" {
		call.Problem = requestBlockProblem(req)
	}
	s.recordCall(call)
	s.log.Info("web api call", "method", req.method, "status", status, "error", code, "problem", call.Problem,
		"channel", channelParam(req.params), "took", time.Since(start))
}

// answerAPI writes the answer and returns its HTTP status and error code.
func (s *Server) answerAPI(w http.ResponseWriter, req *apiRequest, decodeErr error) (int, string) {
	if decodeErr != nil {
		return writeAPIError(w, "invalid_form_data")
	}
	m, ok := s.api[req.method]
	if !ok {
		return writeAPIError(w, "unknown_method")
	}
	s.mu.Lock()
	status, retryAfter := s.takeFaultLocked(req.method, channelParam(req.params))
	revoked := s.revoked[req.token]
	s.mu.Unlock()
	switch status {
	case http.StatusTooManyRequests:
		secs := int(math.Ceil(retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, status, errResp{Error: "ratelimited"})
		return status, "ratelimited"
	case http.StatusInternalServerError:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>Internal Server Error</body></html>")
		return status, "internal_error"
	}
	if m.token == needApp && !req.bearer {
		// Slack takes the app-level token only as a Bearer header.
		return writeAPIError(w, "not_authed")
	}
	if code := s.checkToken(req.token, m.token, revoked); code != "" {
		return writeAPIError(w, code)
	}
	resp, code := m.fn(s, req)
	if code == "invalid_blocks" || code == "invalid_arguments" {
		if p := requestBlockProblem(req); p != "" {
			writeJSON(w, http.StatusOK, errMetaResp{Error: code, Meta: respMeta{Messages: []string{"[ERROR] " + p}}})
			return http.StatusOK, code
		}
	}
	if code != "" {
		return writeAPIError(w, code)
	}
	writeJSON(w, http.StatusOK, resp)
	return http.StatusOK, ""
}

func (s *Server) checkToken(token string, want tokenKind, revoked bool) string {
	switch {
	case token == "":
		return "not_authed"
	case revoked:
		return "token_revoked"
	case token == s.botToken:
		if want != needBot {
			return "not_allowed_token_type"
		}
	case token == s.appToken:
		if want != needApp {
			return "not_allowed_token_type"
		}
	default:
		return "invalid_auth"
	}
	return ""
}

// decodeAPIRequest reads a form-encoded, query or JSON Web API call.
func decodeAPIRequest(r *http.Request) (*apiRequest, error) {
	req := &apiRequest{method: r.PathValue("method"), params: r.URL.Query()}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimPrefix(auth, "Bearer ")
		req.bearer = true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return req, err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if len(bytes.TrimSpace(body)) > 0 {
			req.body = body
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(body, &fields); err != nil {
				return req, err
			}
			for k, v := range fields {
				req.params.Set(k, jsonFieldString(v))
			}
		}
	} else if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, err
		}
		for k, vs := range form {
			req.params[k] = append(req.params[k], vs...)
		}
	}
	if req.token == "" {
		req.token = req.params.Get("token")
	}
	return req, nil
}

// jsonFieldString turns a JSON field into the string a form field would
// carry: strings unquoted, anything else as its JSON text.
func jsonFieldString(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	if string(v) == "null" {
		return ""
	}
	return string(v)
}

func withoutToken(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		if k != "token" {
			out[k] = vs
		}
	}
	return out
}

func channelParam(v url.Values) string {
	if c := v.Get("channel"); c != "" {
		return c
	}
	return v.Get("channel_id")
}

func writeAPIError(w http.ResponseWriter, code string) (int, string) {
	writeJSON(w, http.StatusOK, errResp{Error: code})
	return http.StatusOK, code
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// boolParam reads a Slack boolean argument ("true", "1").
func boolParam(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// splitList splits a comma-separated argument, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
