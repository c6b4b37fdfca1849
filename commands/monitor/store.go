package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/alertmanager"
)

// groupTTL is how long a group's state outlives its last change, so that a
// late resolve or click still finds its message.
const groupTTL = 7 * 24 * time.Hour

// group is one alert group in one channel, as kept in Redis.
type group struct {
	ID       string
	Channel  string
	Msg      alertmanager.Message
	Ver      string
	TS       string // the Slack message, empty until posted
	Digest   bool   // folded into the channel's storm digest
	Ack      *mark
	Silence  *silenceMark
	Incident string
	// Episode counts the times the group fired again after it resolved;
	// PrevIncident is the incident of the episode before, if any.
	Episode      string
	PrevIncident string
	// Kept is the group's counts as the ingest script keeps them; nil for
	// a group stored before they were kept (its alerts are counted).
	Kept *tally
}

// mark is who did something and when.
type mark struct {
	User string    `json:"user"`
	At   time.Time `json:"at"`
}

// silenceMark is a silence made from the group's message.
type silenceMark struct {
	ID    string    `json:"id"`
	User  string    `json:"user"`
	Until time.Time `json:"until"`
}

// store keeps alert groups, their message ts and the dirty set in Redis.
type store struct {
	rdb redis.UniversalClient
	key func(parts ...string) string
	// now is the clock (nil: time.Now); maxAlerts caps the alerts kept
	// per group (0: DefaultMaxAlertsPerGroup).
	now       func() time.Time
	maxAlerts int
}

// groupID names a group in a channel: the channel, then a hash of the key.
func groupID(channel, groupKey string) string {
	h := sha256.Sum256([]byte(groupKey))
	return channel + ":" + hex.EncodeToString(h[:10])
}

// channelOf returns the channel part of a group id.
func channelOf(id string) string {
	c, _, _ := strings.Cut(id, ":")
	return c
}

func (s *store) groupKey(id string) string { return s.key("{monitor}", "group", id) }
func (s *store) dirtyKey() string          { return s.key("{monitor}", "dirty") }

// silencesKey is a sorted set of the groups whose message shows a
// silence, scored by the silence's end (Unix ms), so that the worker
// redraws the message when it ends.
func (s *store) silencesKey() string { return s.key("{monitor}", "silences") }

// errNoGroup says a group is not (or no longer) stored.
var errNoGroup = errors.New("alert group not found")

// load reads one group.
func (s *store) load(ctx context.Context, id string) (*group, error) {
	m, err := s.rdb.HGetAll(ctx, s.groupKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load alert group: %w", err)
	}
	if len(m) == 0 || m["msg"] == "" {
		return nil, errNoGroup
	}
	g := &group{ID: id, Channel: m["channel"], Ver: m["ver"], TS: m["ts"], Digest: m["digest"] == "1", Incident: m["incident"],
		Episode: m["episode"], PrevIncident: m["prev_incident"]}
	if err := json.Unmarshal([]byte(m["msg"]), &g.Msg); err != nil {
		return nil, fmt.Errorf("decode alert group %s: %w", id, err)
	}
	if t, ok := readTally(m); ok {
		g.Kept = &t
	}
	if err := s.loadAlerts(ctx, g); err != nil {
		return nil, err
	}
	if v := m["ack"]; v != "" {
		g.Ack = new(mark)
		_ = json.Unmarshal([]byte(v), g.Ack)
	}
	if v := m["silence"]; v != "" {
		g.Silence = new(silenceMark)
		_ = json.Unmarshal([]byte(v), g.Silence)
	}
	return g, nil
}

// loadMany reads groups in one round trip, skipping missing ones. It
// reads their counts, not their alerts (the digest shows only counts).
func (s *store) loadMany(ctx context.Context, ids []string) ([]*group, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.groupKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load alert groups: %w", err)
	}
	out := make([]*group, 0, len(ids))
	for i, c := range cmds {
		m := c.Val()
		if m["msg"] == "" {
			continue
		}
		g := &group{ID: ids[i], Channel: m["channel"], Ver: m["ver"], TS: m["ts"], Digest: m["digest"] == "1"}
		if err := json.Unmarshal([]byte(m["msg"]), &g.Msg); err != nil {
			continue
		}
		if t, ok := readTally(m); ok {
			g.Kept = &t
		}
		out = append(out, g)
	}
	return out, nil
}

// set writes fields of a group and marks it dirty so every replica's
// worker brings its message up to date.
func (s *store) set(ctx context.Context, id string, fields ...any) error {
	k := s.groupKey(id)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, fields...)
		p.HIncrBy(ctx, k, "ver", 1)
		p.SAdd(ctx, s.dirtyKey(), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("update alert group: %w", err)
	}
	return nil
}

// setJSON stores v as JSON under field; nil deletes the field.
func (s *store) setJSON(ctx context.Context, id, field string, v any) error {
	if v == nil {
		if err := s.rdb.HDel(ctx, s.groupKey(id), field).Err(); err != nil {
			return fmt.Errorf("update alert group: %w", err)
		}
		return s.set(ctx, id, "touched", time.Now().UnixNano())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.set(ctx, id, field, b)
}

// dirty lists the groups whose message is not up to date.
func (s *store) dirty(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, s.dirtyKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list undelivered alert groups: %w", err)
	}
	return ids, nil
}

// cleanScript removes a group from the dirty set only if it has not
// changed since it was delivered.
var cleanScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'ver') == ARGV[2] then
  return redis.call('SREM', KEYS[2], ARGV[1])
end
return 0`)

// clean marks g delivered unless it changed meanwhile.
func (s *store) clean(ctx context.Context, g *group) error {
	if err := cleanScript.Run(ctx, s.rdb, []string{s.groupKey(g.ID), s.dirtyKey()}, g.ID, g.Ver).Err(); err != nil {
		return fmt.Errorf("mark alert group delivered: %w", err)
	}
	return nil
}

// dropTSScript forgets a group's message ts if it is still ARGV[1].
var dropTSScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'ts') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'ts')
end
return 0`)

// dropTS forgets the message ts of a group whose message was deleted, so
// that the next delivery posts it anew.
func (s *store) dropTS(ctx context.Context, id, ts string) error {
	if err := dropTSScript.Run(ctx, s.rdb, []string{s.groupKey(id)}, ts).Err(); err != nil {
		return fmt.Errorf("forget deleted alert message: %w", err)
	}
	return nil
}

// forget drops an id from the dirty set (its group is gone).
func (s *store) forget(ctx context.Context, id string) error {
	return s.rdb.SRem(ctx, s.dirtyKey(), id).Err()
}

// claim takes a short-lived marker so that one replica alone posts the
// first message of something; false when another holds it.
func (s *store) claim(ctx context.Context, name string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.key("monitor", "posting", name), "1", time.Minute).Result()
	if err != nil {
		return false, fmt.Errorf("claim posting of %s: %w", name, err)
	}
	return ok, nil
}

// release drops the marker claim took.
func (s *store) release(ctx context.Context, name string) {
	s.rdb.Del(ctx, s.key("monitor", "posting", name))
}

// countNewGroup counts a new group message for channel in the current
// minute and returns the count.
func (s *store) countNewGroup(ctx context.Context, channel string, now time.Time) (int64, error) {
	k := s.key("monitor", "newgroups", channel, strconv.FormatInt(now.Unix()/60, 10))
	n, err := s.rdb.Incr(ctx, k).Result()
	if err != nil {
		return 0, fmt.Errorf("count new alert groups: %w", err)
	}
	s.rdb.Expire(ctx, k, 2*time.Minute)
	return n, nil
}

// redisPipe is go-redis' pipeline type, named for the callbacks here.
type redisPipe = redis.Pipeliner

func isNil(err error) bool { return errors.Is(err, redis.Nil) }
