package schemas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzValidate checks that validating any JSON never panics and that a
// failure always says where the problem is.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("examples/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".valid.json"), ".invalid.json"), string(b))
	}
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, body string) {
		doc, err := Decode([]byte(body))
		if err != nil {
			return
		}
		if err := v.Validate(typ, doc); err != nil && !v.Known(typ) {
			return
		} else if err != nil && !strings.HasPrefix(err.Error(), "at /") {
			t.Fatalf("error %q does not say where", err)
		}
		_ = v.ValidateEnvelope(doc)
	})
}
