package events

import (
	"strings"
	"testing"
)

func TestCheckServerVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"2.9.0", true},
		{"2.9.10", true},
		{"2.10.24", true},
		{"2.12.1", true},
		{"3.0.0", true},
		{"v2.11.0-beta.2", true},
		{"2.8.4", false},
		{"2.2.0", false},
		{"1.4.1", false},
		{"2.9.0-RC.1", true},
		{"", true},        // unknown: not refused
		{"garbage", true}, // unknown: not refused
	} {
		err := checkServerVersion(tc.version, "nats://127.0.0.1:4222")
		if (err == nil) != tc.ok {
			t.Errorf("version %q: error %v, want ok=%v", tc.version, err, tc.ok)
			continue
		}
		if err != nil {
			for _, want := range []string{tc.version, MinServerVersion, "named-consumer API", "upgrade"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("version %q: error %q does not say %q", tc.version, err, want)
				}
			}
		}
	}
}
