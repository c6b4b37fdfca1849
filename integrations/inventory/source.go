package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Source is one place assets come from. Load reads all of it: an error
// (Problems for what is wrong in it) means none of it is used and the
// source's last good assets stay.
type Source interface {
	// Name names the source in `asset sources`, conflicts and errors.
	Name() string
	// Kind is file, ansible, inline, import, actions or prometheus.
	Kind() string
	Load(ctx context.Context) ([]Asset, error)
}

// Watched is a source read from files: Fingerprint changes when they do,
// so a poll can tell a reload is due without parsing them.
type Watched interface {
	Fingerprint() (string, error)
}

// MaxFileSize bounds one source file.
const MaxFileSize = 256 << 20

// Static is a source whose assets are given: the config's inline assets,
// or actions.hosts.
type Static struct {
	SourceName, SourceKind string
	Assets                 []Asset
	// Err, when set, is what Load returns (a config that did not check).
	Err error
}

// Name implements Source.
func (s *Static) Name() string { return s.SourceName }

// Kind implements Source.
func (s *Static) Kind() string { return s.SourceKind }

// Load implements Source.
func (s *Static) Load(context.Context) ([]Asset, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	out := make([]Asset, len(s.Assets))
	for i, a := range s.Assets {
		out[i] = a.Clone()
	}
	return out, nil
}

// Files reads opsbot's own asset files: one YAML (.yaml, .yml) or CSV
// (.csv) file, or every such file directly in a folder, in name order.
type Files struct {
	SourceName string
	Path       string
}

// Name implements Source.
func (f *Files) Name() string { return f.SourceName }

// Kind implements Source.
func (f *Files) Kind() string { return "file" }

// Load implements Source.
func (f *Files) Load(ctx context.Context) ([]Asset, error) {
	paths, err := f.paths()
	if err != nil {
		return nil, err
	}
	var all []Asset
	var errs Problems
	seen := map[string]string{} // name -> where first listed
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := readFile(p)
		if err != nil {
			errs = append(errs, Problem{File: p, Msg: err.Error()})
			continue
		}
		var assets []located
		if strings.EqualFold(filepath.Ext(p), ".csv") {
			assets, err = parseCSV(p, data)
		} else {
			assets, err = parseYAMLAssets(p, data)
		}
		if ps, ok := err.(Problems); ok {
			errs = append(errs, ps...)
		} else if err != nil {
			errs = append(errs, Problem{File: p, Msg: err.Error()})
		}
		for _, a := range assets {
			where := fmt.Sprintf("%s:%d", p, a.line)
			if first, dup := seen[a.Name]; dup {
				errs = append(errs, Problem{File: p, Line: a.line, Field: "name", Msg: fmt.Sprintf("%s is listed twice (first at %s)", a.Name, first)})
				continue
			}
			seen[a.Name] = where
			all = append(all, a.Asset)
		}
	}
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	return all, nil
}

// located is an asset with the line it starts at, for errors.
type located struct {
	Asset
	line int
}

func (f *Files) paths() ([]string, error) {
	st, err := os.Stat(f.Path)
	if err != nil {
		return nil, Problems{{File: f.Path, Msg: statProblem(err)}}
	}
	if !st.IsDir() {
		return []string{f.Path}, nil
	}
	entries, err := os.ReadDir(f.Path)
	if err != nil {
		return nil, Problems{{File: f.Path, Msg: "cannot list the folder: " + err.Error()}}
	}
	var out []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".csv":
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(f.Path, e.Name()))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Fingerprint implements Watched: the names, sizes and modification
// times of the files, so a change (or a file added to the folder) shows.
func (f *Files) Fingerprint() (string, error) {
	paths, err := f.paths()
	if err != nil {
		return "", err
	}
	return fingerprint(paths)
}

func fingerprint(paths []string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(h, "%s missing\n", p)
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", p, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s", statProblem(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %v", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("is larger than %d MiB", MaxFileSize>>20)
	}
	return data, nil
}

func statProblem(err error) string {
	switch {
	case os.IsNotExist(err):
		return "does not exist"
	case os.IsPermission(err):
		return "cannot be read: permission denied"
	default:
		return "cannot be read: " + err.Error()
	}
}
