package blocks

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBuildersKeepSlackLimits(t *testing.T) {
	long := strings.Repeat("&<>", 5000)
	if s := Section(EscapeCut(long, 10_000)); utf8.RuneCountInString(s.Text.Text) > MaxSectionText {
		t.Errorf("section text %d > %d", utf8.RuneCountInString(s.Text.Text), MaxSectionText)
	}
	fields := make([]string, 14)
	for i := range fields {
		fields[i] = Escape(long)
	}
	f := Fields(fields...)
	if len(f.Fields) != MaxFields {
		t.Errorf("%d fields, want %d", len(f.Fields), MaxFields)
	}
	for _, x := range f.Fields {
		if utf8.RuneCountInString(x.Text) > MaxField {
			t.Errorf("field %d > %d", utf8.RuneCountInString(x.Text), MaxField)
		}
	}
	if h := Header(long); utf8.RuneCountInString(h.Text.Text) > MaxHeader {
		t.Errorf("header %d > %d", utf8.RuneCountInString(h.Text.Text), MaxHeader)
	}
	if c := Context(fields...); len(c.ContextElements.Elements) != MaxContext {
		t.Errorf("context has %d elements", len(c.ContextElements.Elements))
	}
	b := Button(strings.Repeat("a", 300), long, strings.Repeat("v", 3000), "primary")
	if utf8.RuneCountInString(b.Text.Text) > MaxButtonText || utf8.RuneCountInString(b.ActionID) > MaxActionID || utf8.RuneCountInString(b.Value) > MaxButtonValue {
		t.Errorf("button over limits: text %d, action_id %d, value %d", utf8.RuneCountInString(b.Text.Text), len(b.ActionID), len(b.Value))
	}
	o := Option(strings.Repeat("v", 200), long)
	if utf8.RuneCountInString(o.Text.Text) > MaxOptionText || utf8.RuneCountInString(o.Value) > MaxOptionValue {
		t.Errorf("option over limits")
	}
	if v := ViewTitle("Request a change to production"); utf8.RuneCountInString(v.Text) > MaxViewTitle {
		t.Errorf("title %q over %d", v.Text, MaxViewTitle)
	}
}
