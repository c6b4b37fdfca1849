package inventory

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ImportSource names the assets imported with `asset import`.
const ImportSource = "import"

// Imported is the source of the assets an admin imported: one opsbot YAML
// or CSV file, kept in Redis so every replica reads the same, replaced
// whole by the next import.
type Imported struct {
	x *Index
}

// Imported returns the import source kept in the index's Redis.
func (x *Index) Imported() *Imported { return &Imported{x: x} }

// Name implements Source.
func (s *Imported) Name() string { return ImportSource }

// Kind implements Source.
func (s *Imported) Kind() string { return "import" }

// Load implements Source.
func (s *Imported) Load(ctx context.Context) ([]Asset, error) {
	m, err := s.x.rdb.HGetAll(ctx, s.x.key("import")).Result()
	if err != nil {
		return nil, fmt.Errorf("read the imported assets: %w", err)
	}
	if m["data"] == "" {
		return nil, nil
	}
	located, err := parseImport(m["file"], []byte(m["data"]))
	if err != nil {
		return nil, err
	}
	return unlocate(located), nil
}

// Import is what was imported last.
type Import struct {
	File   string
	By     string
	At     time.Time
	Assets int
}

// Store checks data (the content of file, YAML or CSV by its extension)
// and, when it reads without a problem, makes it the imported assets;
// otherwise nothing changes and the error lists the problems.
func (s *Imported) Store(ctx context.Context, file string, data []byte, by string, at time.Time) (int, error) {
	if len(data) > MaxFileSize {
		return 0, fmt.Errorf("%s is larger than %d MiB", file, MaxFileSize>>20)
	}
	located, err := parseImport(file, data)
	if err != nil {
		return 0, err
	}
	if len(located) == 0 {
		return 0, Problems{{File: file, Msg: "lists no assets"}}
	}
	_, err = s.x.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.HSet(ctx, s.x.key("import"), "file", filepath.Base(file), "data", data, "by", by, "at", at.Unix(), "assets", len(located))
		pl.Incr(ctx, s.x.key("import", "version"))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store the imported assets: %w", err)
	}
	return len(located), nil
}

// Last says what was imported last; ok is false when nothing was.
func (s *Imported) Last(ctx context.Context) (Import, bool, error) {
	m, err := s.x.rdb.HMGet(ctx, s.x.key("import"), "file", "by", "at", "assets").Result()
	if err != nil {
		return Import{}, false, fmt.Errorf("read the last import: %w", err)
	}
	str := func(v any) string { s, _ := v.(string); return s }
	if str(m[0]) == "" {
		return Import{}, false, nil
	}
	sec, _ := strconv.ParseInt(str(m[2]), 10, 64)
	n, _ := strconv.Atoi(str(m[3]))
	return Import{File: str(m[0]), By: str(m[1]), At: time.Unix(sec, 0), Assets: n}, true, nil
}

// Version changes with every import, so replicas know to reload.
func (s *Imported) Version(ctx context.Context) (string, error) {
	v, err := s.x.rdb.Get(ctx, s.x.key("import", "version")).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the import version: %w", err)
	}
	return v, nil
}

func parseImport(file string, data []byte) ([]located, error) {
	var list []located
	var err error
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		list, err = parseCSV(file, data)
	case ".yaml", ".yml":
		list, err = parseYAMLAssets(file, data)
	default:
		return nil, Problems{{File: file, Msg: "is neither .csv nor .yaml: name the file for its format"}}
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var ps Problems
	for _, a := range list {
		if first, dup := seen[a.Name]; dup {
			ps = append(ps, Problem{File: file, Line: a.line, Field: "name", Msg: fmt.Sprintf("%s is listed twice (first at line %d)", a.Name, first)})
		}
		seen[a.Name] = a.line
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return list, nil
}

func unlocate(list []located) []Asset {
	out := make([]Asset, len(list))
	for i := range list {
		out[i] = list[i].Asset
	}
	return out
}
