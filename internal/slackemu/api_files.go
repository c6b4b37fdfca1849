package slackemu

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxUpload bounds one uploaded file.
const maxUpload = 64 << 20

// File is a file the bot uploaded with files upload v2.
type File struct {
	ID             string
	Name           string // filename given to files.getUploadURLExternal
	Title          string
	AltText        string
	SnippetType    string
	Length         int // length declared to files.getUploadURLExternal
	Content        []byte
	Uploaded       bool // the bytes arrived at the upload URL
	Completed      bool // files.completeUploadExternal finished it
	Channels       []string
	ThreadTS       string
	InitialComment string
	MessageTS      []string // the share message in each of Channels
	User           string
	Created        time.Time
}

type fileRec struct {
	File
	uploadKey string
}

func (f *fileRec) snapshot() File {
	out := f.File
	out.Content = slices.Clone(f.Content)
	out.Channels = slices.Clone(f.Channels)
	out.MessageTS = slices.Clone(f.MessageTS)
	return out
}

type uploadURLResp struct {
	OK        bool   `json:"ok"`
	UploadURL string `json:"upload_url"`
	FileID    string `json:"file_id"`
}

type wireFile struct {
	ID                 string `json:"id"`
	Created            int64  `json:"created"`
	Timestamp          int64  `json:"timestamp"`
	Name               string `json:"name"`
	Title              string `json:"title"`
	Mimetype           string `json:"mimetype"`
	Filetype           string `json:"filetype"`
	User               string `json:"user"`
	Size               int    `json:"size"`
	URLPrivate         string `json:"url_private"`
	URLPrivateDownload string `json:"url_private_download"`
	AltTxt             string `json:"alt_txt,omitempty"`
}

type completeResp struct {
	OK    bool       `json:"ok"`
	Files []wireFile `json:"files"`
}

func (s *Server) filesGetUploadURLExternal(r *apiRequest) (any, string) {
	name := r.get("filename")
	length, err := strconv.Atoi(r.get("length"))
	if name == "" || err != nil || length <= 0 {
		return nil, "invalid_arguments"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &fileRec{
		File: File{
			ID: s.ids.next("F"), Name: name, AltText: r.get("alt_txt"), SnippetType: r.get("snippet_type"),
			Length: length, User: BotUserID, Created: time.Now(),
		},
		uploadKey: randomHex(16),
	}
	s.files[f.ID] = f
	s.fileOrder = append(s.fileOrder, f.ID)
	return uploadURLResp{OK: true, UploadURL: s.baseURL + "/upload/" + f.uploadKey, FileID: f.ID}, ""
}

// serveUpload is the upload URL: it takes the bytes as a multipart form
// (field "file", as slack-go sends them) or as the raw body.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	data, err := readUpload(w, r)
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	key := r.PathValue("id")
	s.mu.Lock()
	var f *fileRec
	for _, id := range s.fileOrder {
		if c := s.files[id]; c.uploadKey == key {
			f = c
			break
		}
	}
	if f == nil || f.Completed {
		s.mu.Unlock()
		http.Error(w, "upload not found", http.StatusNotFound)
		return
	}
	f.Content, f.Uploaded = data, true
	s.mu.Unlock()
	s.log.Info("file uploaded", "file", f.ID, "bytes", len(data))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxUpload)
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, errors.New("no file part")
		}
		if p.FormName() == "file" || p.FileName() != "" {
			return io.ReadAll(p)
		}
	}
}

func (s *Server) filesCompleteUploadExternal(r *apiRequest) (any, string) {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal([]byte(r.get("files")), &summaries) != nil || len(summaries) == 0 {
		return nil, "invalid_arguments"
	}
	var blocks json.RawMessage
	if raw := r.get("blocks"); raw != "" {
		b, code := parseBlocks(raw, maxMessageBlocks)
		if code != "" {
			return nil, code
		}
		blocks = b
	}
	comment := r.get("initial_comment")
	if len([]rune(comment)) > maxTextChars {
		return nil, "msg_too_long"
	}
	refs := splitList(r.get("channels"))
	if id := r.get("channel_id"); id != "" {
		refs = append([]string{id}, refs...)
	}

	s.mu.Lock()
	files := make([]*fileRec, 0, len(summaries))
	for _, sum := range summaries {
		f, ok := s.files[sum.ID]
		if !ok || !f.Uploaded || f.Completed {
			s.mu.Unlock()
			return nil, "file_not_found"
		}
		files = append(files, f)
	}
	chans := make([]*channelState, 0, len(refs))
	for _, ref := range refs {
		c, code := s.resolveChannelLocked(ref)
		if code == "" {
			code = canPostLocked(c)
		}
		if code != "" {
			s.mu.Unlock()
			return nil, code
		}
		chans = append(chans, c)
	}
	ids := make([]string, len(files))
	out := make([]wireFile, len(files))
	for i, f := range files {
		f.Title = summaries[i].Title
		if f.Title == "" {
			f.Title = f.Name
		}
		f.Completed = true
		f.InitialComment = comment
		ids[i] = f.ID
		out[i] = s.toWireFile(f)
	}
	for _, c := range chans {
		threadTS := threadRootLocked(c, r.get("thread_ts"))
		rec := s.addMessageLocked(c, Message{
			ThreadTS: threadTS, User: BotUserID, BotID: BotID, Text: comment, Blocks: blocks,
			Files: ids, Source: "files.completeUploadExternal",
		})
		for _, f := range files {
			f.Channels = append(f.Channels, c.ID)
			f.ThreadTS = threadTS
			f.MessageTS = append(f.MessageTS, rec.msg.TS)
		}
	}
	s.mu.Unlock()
	if len(chans) > 0 {
		s.msgHub.notify()
	}
	s.fileHub.notify()
	return completeResp{OK: true, Files: out}, ""
}

func (s *Server) toWireFile(f *fileRec) wireFile {
	ext := strings.TrimPrefix(path.Ext(f.Name), ".")
	mt := mime.TypeByExtension(path.Ext(f.Name))
	if mt == "" {
		mt = "application/octet-stream"
	}
	link := s.baseURL + "/files/" + f.ID + "/" + f.Name
	return wireFile{
		ID: f.ID, Created: f.Created.Unix(), Timestamp: f.Created.Unix(), Name: f.Name, Title: f.Title,
		Mimetype: mt, Filetype: ext, User: f.User, Size: len(f.Content),
		URLPrivate: link, URLPrivateDownload: link, AltTxt: f.AltText,
	}
}

// serveFileDownload serves url_private to holders of the bot token.
func (s *Server) serveFileDownload(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.botToken {
		http.Error(w, "not authed", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	f, ok := s.files[r.PathValue("id")]
	var data []byte
	if ok {
		data = f.Content
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// Files returns every file the bot started uploading, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		out = append(out, s.files[id].snapshot())
	}
	return out
}
