package slackemu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a running emulated Slack workspace. All methods are safe for
// concurrent use.
type Server struct {
	cfg      config
	log      *slog.Logger
	botToken string
	appToken string
	baseURL  string // http://host:port
	wsBase   string // ws://host:port

	listener net.Listener
	http     *http.Server
	serveErr chan error

	api map[string]apiMethod
	ids idGen
	ts  tsClock

	// mu guards the workspace and everything recorded from the Web API.
	mu            sync.Mutex
	users         map[string]*User
	userOrder     []string
	channels      map[string]*channelState
	channelOrder  []string
	dms           map[string]string // user -> DM channel
	groups        map[string]*UserGroup
	groupOrder    []string
	msgLog        []*messageRec
	views         map[string]*viewRec
	viewOrder     []string
	stacks        map[string][]string // user -> open modal stack (view IDs)
	homes         map[string]string   // user -> home view ID
	files         map[string]*fileRec
	fileOrder     []string
	triggers      map[string]*triggerRec
	responseURLs  map[string]*responseURLRec
	responsePosts []ResponsePost
	tickets       map[string]bool // Socket Mode connection tickets not yet used
	revoked       map[string]bool
	faults        faults

	callsMu sync.Mutex
	calls   []Call

	sock sockState

	msgHub   *hub
	ackHub   *hub
	connHub  *hub
	fileHub  *hub
	viewHub  *hub
	callHub  *hub
	closeOne sync.Once
}

// New starts an emulated Slack on a random loopback port, like
// httptest.NewServer, with the default workspace. It panics if it cannot
// listen. Close it when done.
func New(opts ...Option) *Server {
	s, err := NewServer("127.0.0.1:0", opts...)
	if err != nil {
		panic(fmt.Sprintf("slackemu: %v", err))
	}
	return s
}

// NewServer starts an emulated Slack listening on addr (host:port; port 0
// picks a free one). It serves until Close.
func NewServer(addr string, opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{
		cfg:          cfg,
		api:          apiMethods(),
		log:          cfg.logger,
		botToken:     cfg.botToken,
		appToken:     cfg.appToken,
		baseURL:      "http://" + ln.Addr().String(),
		wsBase:       "ws://" + ln.Addr().String(),
		listener:     ln,
		serveErr:     make(chan error, 1),
		users:        make(map[string]*User),
		channels:     make(map[string]*channelState),
		dms:          make(map[string]string),
		groups:       make(map[string]*UserGroup),
		views:        make(map[string]*viewRec),
		stacks:       make(map[string][]string),
		homes:        make(map[string]string),
		files:        make(map[string]*fileRec),
		triggers:     make(map[string]*triggerRec),
		responseURLs: make(map[string]*responseURLRec),
		tickets:      make(map[string]bool),
		revoked:      make(map[string]bool),
		msgHub:       newHub(),
		ackHub:       newHub(),
		connHub:      newHub(),
		fileHub:      newHub(),
		viewHub:      newHub(),
		callHub:      newHub(),
	}
	if s.botToken == "" {
		s.botToken = "xoxb-1-" + randomHex(12)
	}
	if s.appToken == "" {
		s.appToken = "xapp-1-" + AppID + "-" + randomHex(12)
	}
	s.sock.init()
	s.seedWorkspace()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/upload/{id}", s.serveUpload)
	mux.HandleFunc("/response/{id}", s.serveResponseURL)
	mux.HandleFunc("/files/{id}/{name}", s.serveFileDownload)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.serveErr <- s.http.Serve(ln) }()
	s.log.Info("slack emulator listening", "api_url", s.APIURL())
	return s, nil
}

// APIURL is the Web API base to give slack.OptionAPIURL, with its trailing
// slash: http://127.0.0.1:PORT/api/.
func (s *Server) APIURL() string { return s.baseURL + "/api/" }

// URL is the server's root, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.baseURL }

// BotToken is the bot token (xoxb-...) the Web API accepts.
func (s *Server) BotToken() string { return s.botToken }

// AppToken is the app-level token (xapp-...) apps.connections.open accepts.
func (s *Server) AppToken() string { return s.appToken }

// Close stops the server: it closes every Socket Mode connection, stops
// redelivery timers and the HTTP server, and waits until all of its
// goroutines have ended. Calling it again does nothing.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		conns := s.sock.shutdown()
		_ = s.http.Close()
		for _, c := range conns {
			c.abort()
		}
		s.sock.wait()
		if err := <-s.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("slack emulator serve", "err", err)
		}
		s.log.Info("slack emulator closed")
	})
}
