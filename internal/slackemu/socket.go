package slackemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxAckSize bounds a frame read from a client; Slack drops acks over 20 KB
// and slack-go refuses to send them, so this only stops abuse.
const maxAckSize = 1 << 20

// sockState is the Socket Mode side: connections, envelopes and acks.
type sockState struct {
	mu         sync.Mutex
	closed     bool
	wg         sync.WaitGroup // connection goroutines and armed redelivery timers
	ready      []*wsConn      // connections that get envelopes, round robin
	all        map[*wsConn]bool
	rr         int
	nextConnID int
	connects   int
	pending    []outFrame // frames waiting for a connection
	envs       map[string]*envRec
	envOrder   []*envRec
	acks       []Ack
	ackByFirst map[string]int // first envelope id -> index of the chain's first ack
	badFrames  [][]byte
}

func (st *sockState) init() {
	st.all = make(map[*wsConn]bool)
	st.envs = make(map[string]*envRec)
	st.ackByFirst = make(map[string]int)
}

// shutdown refuses new work, disarms timers and returns the live
// connections for the caller to abort.
func (st *sockState) shutdown() []*wsConn {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	for _, e := range st.envOrder {
		st.disarmLocked(e.chain)
	}
	conns := make([]*wsConn, 0, len(st.all))
	for c := range st.all {
		conns = append(conns, c)
	}
	st.ready, st.pending = nil, nil
	return conns
}

func (st *sockState) wait() { st.wg.Wait() }

// outFrame is one text frame to write to a connection.
type outFrame struct {
	data       []byte
	env        *envRec // set for envelopes
	raw        bool    // SendRaw frames are kept across reconnects too
	disconnect bool    // close the socket after the grace period
}

// wsConn is one Socket Mode WebSocket connection.
type wsConn struct {
	id       int
	ws       *websocket.Conn
	mu       sync.Mutex
	queue    []outFrame
	signal   chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
}

func (c *wsConn) push(f outFrame) {
	c.mu.Lock()
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

func (c *wsConn) take() []outFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// abort closes the socket without a close frame and stops the writer.
func (c *wsConn) abort() {
	c.stopOnce.Do(func() { close(c.stop) })
	_ = c.ws.Close()
}

type helloMsg struct {
	Type           string         `json:"type"`
	NumConnections int            `json:"num_connections"`
	DebugInfo      debugInfo      `json:"debug_info"`
	ConnectionInfo connectionInfo `json:"connection_info"`
}

type debugInfo struct {
	Host                      string `json:"host"`
	BuildNumber               int    `json:"build_number,omitempty"`
	ApproximateConnectionTime int    `json:"approximate_connection_time,omitempty"`
}

type connectionInfo struct {
	AppID string `json:"app_id"`
}

type disconnectMsg struct {
	Type      string    `json:"type"`
	Reason    string    `json:"reason"`
	DebugInfo debugInfo `json:"debug_info"`
}

func connHost(id int) string { return "applink-emulated-" + strconv.Itoa(id) }

// serveSocket upgrades a connection opened with a ticket from
// apps.connections.open.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 32 << 10,
		CheckOrigin:     func(*http.Request) bool { return true }, // slack-go sends Origin: https://api.slack.com
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	ws.SetReadLimit(maxAckSize)

	st := &s.sock
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		_ = ws.Close()
		return
	}
	st.nextConnID++
	st.connects++
	c := &wsConn{id: st.nextConnID, ws: ws, signal: make(chan struct{}, 1), stop: make(chan struct{})}
	st.all[c] = true
	st.ready = append(st.ready, c)
	hello, _ := json.Marshal(helloMsg{
		Type: "hello", NumConnections: len(st.ready),
		DebugInfo:      debugInfo{Host: connHost(c.id), BuildNumber: 1, ApproximateConnectionTime: 18060},
		ConnectionInfo: connectionInfo{AppID: AppID},
	})
	c.push(outFrame{data: hello})
	for _, f := range st.pending {
		c.push(f)
	}
	st.pending = nil
	st.wg.Add(2)
	go s.runWriter(c)
	go s.runReader(c)
	n := len(st.ready)
	st.mu.Unlock()
	s.log.Info("socket mode connected", "conn", c.id, "connections", n)
	s.connHub.notify()
}

// runWriter is the only writer of a connection: queued frames, pings, and
// the close after a disconnect message.
func (s *Server) runWriter(c *wsConn) {
	defer s.sock.wg.Done()
	defer s.connGone(c)
	ping := time.NewTicker(s.cfg.pingInterval)
	defer ping.Stop()
	pings := ping.C
	if s.cfg.noPings {
		pings = nil
	}
	var grace <-chan time.Time
	for {
		select {
		case <-c.stop:
			return
		case <-grace:
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, "refresh"), time.Now().Add(time.Second))
			return
		case <-pings:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
				return
			}
		case <-c.signal:
			frames := c.take()
			for i, f := range frames {
				if f.env != nil && !s.markSent(f.env, c) {
					continue
				}
				_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
					s.requeue(frames[i+1:])
					return
				}
				if f.disconnect && grace == nil {
					grace = time.After(s.cfg.disconnectGrace)
				}
			}
		}
	}
}

// runReader reads acks until the connection ends.
func (s *Server) runReader(c *wsConn) {
	defer s.sock.wg.Done()
	defer c.abort()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.handleAck(c, data)
	}
}

// connGone forgets a finished connection and hands its unsent frames to
// the other connections (or the pending queue).
func (s *Server) connGone(c *wsConn) {
	c.abort()
	s.requeue(c.take())
	st := &s.sock
	st.mu.Lock()
	delete(st.all, c)
	st.ready = slices.DeleteFunc(st.ready, func(x *wsConn) bool { return x == c })
	n := len(st.ready)
	st.mu.Unlock()
	s.log.Info("socket mode connection closed", "conn", c.id, "connections", n)
	s.connHub.notify()
}

// requeue delivers again envelopes and raw frames that were never written.
func (s *Server) requeue(frames []outFrame) {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, f := range frames {
		if (f.env != nil || f.raw) && !st.closed {
			s.deliverLocked(f)
		}
	}
}

// deliverLocked gives a frame to the next ready connection, or queues it
// until one connects.
func (s *Server) deliverLocked(f outFrame) {
	st := &s.sock
	if st.closed {
		return
	}
	if len(st.ready) == 0 {
		st.pending = append(st.pending, f)
		return
	}
	c := st.ready[st.rr%len(st.ready)]
	st.rr++
	c.push(f)
}

// Disconnect asks every connection to go away, as Slack does before it
// refreshes a connection: it sends {"type":"disconnect","reason":reason}
// and closes the socket after the grace period (WithDisconnectGrace). The
// connections get no new envelopes from this moment. Reasons Slack uses are
// "warning", "refresh_requested" and "too_many_websockets".
func (s *Server) Disconnect(reason string) {
	st := &s.sock
	st.mu.Lock()
	for _, c := range st.ready {
		msg, _ := json.Marshal(disconnectMsg{Type: "disconnect", Reason: reason, DebugInfo: debugInfo{Host: connHost(c.id)}})
		c.push(outFrame{data: msg, disconnect: true})
	}
	st.ready = nil
	st.mu.Unlock()
	s.log.Info("socket mode disconnect requested", "reason", reason)
	s.connHub.notify()
}

// DropConnections closes every Socket Mode connection abruptly, without a
// close frame, as a network failure would.
func (s *Server) DropConnections() {
	st := &s.sock
	st.mu.Lock()
	conns := make([]*wsConn, 0, len(st.all))
	for c := range st.all {
		conns = append(conns, c)
	}
	st.ready = nil
	st.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
	s.log.Info("socket mode connections dropped", "count", len(conns))
	s.connHub.notify()
}

// Connections returns how many Socket Mode connections currently receive
// envelopes.
func (s *Server) Connections() int {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return len(s.sock.ready)
}

// ConnectCount returns how many Socket Mode connections were ever opened,
// which grows by one with every reconnect.
func (s *Server) ConnectCount() int {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return s.sock.connects
}
