package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// parseCSV reads opsbot's CSV asset file: a header row naming the columns
// (the fields, in any order; label.<key> for a label; groups separated by
// semicolons or spaces), then one asset per row. Empty cells leave the
// field unset. Every problem is reported with its line and column.
func parseCSV(file string, data []byte) ([]located, error) {
	ps := &problems{file: file}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's byte order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		ps.add(csvLine(err), "", "not valid CSV: %s", csvMsg(err))
		return nil, ps.err()
	}
	cols := make([]string, len(header))
	named := false
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		cols[i] = h
		switch {
		case h == "name":
			named = true
		case strings.HasPrefix(h, "label."):
			if !labelKeyRe.MatchString(h[len("label."):]) {
				ps.add(1, h, "%q is not a label key", h[len("label."):])
			}
		case h == "labels":
			ps.add(1, h, "give each label its own column, label.<key> (label.dc)")
		case !isField(h):
			ps.add(1, h, "unknown column%s", didYouMean(h, Fields))
		}
	}
	if !named {
		ps.add(1, "name", "the header has no name column")
	}
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	var out []located
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ps.add(csvLine(err), "", "not valid CSV: %s", csvMsg(err))
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(cols) {
			ps.add(line, "", "has %d cells, the header %d", len(rec), len(cols))
			continue
		}
		var a Asset
		ok := true
		for i, v := range rec {
			if strings.TrimSpace(v) == "" {
				continue
			}
			var err error
			if k, isLabel := strings.CutPrefix(cols[i], "label."); isLabel {
				err = a.SetLabel(k, v)
			} else {
				err = a.Set(cols[i], v)
			}
			if err != nil {
				ps.add(line, cols[i], "%v", err)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if a.Name == "" {
			ps.add(line, "name", "required")
			continue
		}
		out = append(out, located{Asset: a, line: line})
	}
	return out, ps.err()
}

func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
