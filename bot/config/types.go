package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// unmarshalRe reads yaml.v3's "cannot unmarshal !!str `2 seconds` into
// time.Duration".
var unmarshalRe = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")

var durationType = reflect.TypeOf(time.Duration(0))

// explainType rewords yaml.v3's type error about a value that decodes
// into t (nil when unknown) as what is wrong with the value and an
// example of a right one; other messages pass unchanged.
func explainType(msg string, t reflect.Type) string {
	m := unmarshalRe.FindStringSubmatch(msg)
	if m == nil || t == nil {
		return msg
	}
	tag, value := m[1], m[2]
	got := "`" + value + "`"
	switch {
	case tag == "seq":
		got = "a list"
	case tag == "map":
		got = "a section of keys"
	case value == "":
		got = "an empty value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t == durationType && tag == "int" {
			return fmt.Sprintf("%s is not a duration: it needs a unit; write e.g. %ss or %sm", got, value, value)
		}
		if t == durationType {
			return got + " is not a duration; write e.g. 90s, 15m or 2h"
		}
		return got + " is not a whole number; write one, e.g. 3"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return got + " is not a whole number; write one, e.g. 3"
	case reflect.Float32, reflect.Float64:
		return got + " is not a number; write one, e.g. 0.25"
	case reflect.Bool:
		return got + " is not true or false; write true or false"
	case reflect.String:
		return got + " is not a single value; write one, quoted if need be, e.g. \"C0123ALERTS\""
	case reflect.Slice, reflect.Array:
		return got + " is not a list; write [a, b], or one `- item` per line under the key"
	case reflect.Map, reflect.Struct:
		return got + " is not a section; write its keys indented under it, e.g. `key: value` on the next line"
	}
	return msg
}

// typeAt is the Go type the value at path ("a.b[2].c") decodes into,
// below t; nil when the path leaves the types.
func typeAt(t reflect.Type, path string) reflect.Type {
	for _, part := range splitPath(path) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil {
			return nil
		}
		if idx, ok := strings.CutPrefix(part, "["); ok {
			if _, err := strconv.Atoi(strings.TrimSuffix(idx, "]")); err != nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
				return nil
			}
			t = t.Elem()
			continue
		}
		switch t.Kind() {
		case reflect.Struct:
			t = yamlFields(t)[part]
		case reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
	}
	return t
}
