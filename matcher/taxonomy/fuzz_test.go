package taxonomy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{"Python", "python3", "Ｐｙｔｈｏｎ", "C/C++", "C#", "熟悉Python", "Go语言开发经验", "机器学习、深度学习",
	"React.js", "k8s", "quantum widget design", "", "   ", "\xff\xfe", "a/b/c/d/e", "和和和", "Vue 3.2", "ＡＩ", "C++/Java and Go"}

// FuzzResolveSkill checks that resolving any text never panics and honours
// the normalisation contract.
func FuzzResolveSkill(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	tax := Default()
	f.Fuzz(func(t *testing.T, s string) {
		refs := tax.ResolveSkill(s)
		if Fold(s) == "" && refs != nil {
			t.Fatalf("%q folds to nothing but resolved to %v", s, refs)
		}
		for _, r := range refs {
			if r.Key == "" {
				t.Fatalf("%q: empty key in %+v", s, r)
			}
			if r.Known() {
				if r.Index >= int32(tax.NumSkills()) || tax.SkillAt(r.Index).ID != r.Key {
					t.Fatalf("%q: known ref %+v does not name its skill", s, r)
				}
			} else if strings.ContainsAny(r.Key, " \t") || !utf8.ValidString(r.Text) {
				t.Fatalf("%q: unknown ref %+v is not a folded key", s, r)
			}
		}
		// Surrounding white space and case never change the result.
		if isASCII(s) {
			a, b := ids(tax, refs), ids(tax, tax.ResolveSkill("  "+strings.ToUpper(s)+" "))
			if strings.Join(a, ",") != strings.Join(b, ",") {
				t.Fatalf("%q resolves to %v, upper-cased to %v", s, a, b)
			}
		}
	})
}

// FuzzFold checks that folding is idempotent and keeps no separators.
func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Fold(s)
		if Fold(k) != k {
			t.Fatalf("Fold not idempotent: %q → %q → %q", s, k, Fold(k))
		}
		if strings.ContainsAny(k, " \t\n.,/-_") {
			t.Fatalf("Fold(%q) = %q keeps separators", s, k)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
