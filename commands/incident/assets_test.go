package incident

import "testing"

// TestNamesIsWholeWord: an incident names web-1 when the name stands
// alone, not inside web-10 or preweb-1.
func TestNamesIsWholeWord(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"Disk full on web-1", true},
		{"web-1, web-2", true},
		{"checkout down (WEB-1).", true},
		{"disk full on web-1.", true},
		{"web-10 is slow", false},
		{"preweb-1 rebooted", false},
		{"web-1_old", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := names(tt.text, "web-1"); got != tt.want {
			t.Errorf("names(%q, web-1) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
