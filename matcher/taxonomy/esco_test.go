package taxonomy

import "testing"

func TestESCOID(t *testing.T) {
	tax := Default()
	for _, tc := range []struct{ id, want string }{
		{"python", "skill/ccd0a1d9-afda-43d9-b901-96344886e14d"},
		{"java", "skill/19a8293b-8e95-4de3-983f-77484079c389"},
		{"no-such-skill", ""},
	} {
		if got := ESCOID(tc.id); got != tc.want {
			t.Errorf("ESCOID(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	// Every linked id names a skill of the embedded taxonomy, and the links
	// are one to one.
	seen := map[string]string{}
	n := 0
	for id, esco := range escoByID {
		if _, ok := tax.SkillByID(id); !ok {
			t.Errorf("ESCO table names unknown skill %q", id)
		}
		if other, dup := seen[esco]; dup {
			t.Errorf("%s linked to both %q and %q", esco, other, id)
		}
		seen[esco] = id
		n++
	}
	if n < 13000 {
		t.Errorf("only %d ESCO links", n)
	}
}
