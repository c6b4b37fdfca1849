package loop

import "encoding/json"

// record is what the steps hash keeps per step beside its due time.
type record struct {
	Payload string `json:"p,omitempty"`
	Attempt int    `json:"a,omitempty"`
}

func encodeRecord(r record) string {
	b, _ := json.Marshal(r) // a struct of a string and an int always marshals
	return string(b)
}

func decodeRecord(s string) record {
	var r record
	_ = json.Unmarshal([]byte(s), &r) // a damaged record runs with an empty payload
	return r
}
