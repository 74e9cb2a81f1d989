package taxonomy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ref is the result of resolving one piece of free text: a known concept
// (Index ≥ 0) or an unknown term (Index == -1) kept under its folded Key and
// its cleaned Text.
type Ref struct {
	Index int32
	Key   string
	Text  string
}

// Known reports whether the ref names a taxonomy concept.
func (r Ref) Known() bool { return r.Index >= 0 }

// Words people put around a skill that do not change it ("熟悉Python",
// "Python开发", "proficient in Go"). They are stripped only when what remains
// is a known skill.
var (
	affixPrefixes = []string{"熟练掌握", "熟练使用", "熟练", "精通", "熟悉", "掌握", "了解", "擅长", "具备", "proficientin", "experiencein", "experiencewith", "familiarwith", "knowledgeof"}
	affixSuffixes = []string{"开发经验", "开发", "编程", "技术", "经验", "能力", "programming", "development", "experience", "skills", "skill"}
)

// separators split a text naming several skills: "C/C++", "Python、Java".
var separators = []string{"/", "／", ",", "，", "、", ";", "；", "&", "＆", "|", "｜", " + ", " and ", "和", "及", "与"}

// ResolveSkill maps free text to skills. It tries, in order: the folded text
// as a label; the text without proficiency words, a version suffix
// ("Python3", "Vue 3.2") or a "js" suffix ("React.js"); and, for text that
// lists several skills ("C/C++", "Python、Go"), each part. Text that names no
// known skill is returned as one unknown ref, never forced onto a concept.
// Empty text yields nil. Text in traditional Chinese or with Taiwan or Hong
// Kong usage that does not resolve as written is converted to simplified
// Chinese (ToSimplified) and resolved again; its unknown parts are kept
// under their simplified key, so "區塊鏈" and "区块链" compare equal even
// when the taxonomy lacks them.
func (t *Taxonomy) ResolveSkill(raw string) []Ref {
	return resolveConverted(raw, t.resolveSkill)
}

// resolveConverted resolves raw with f and, unless every part is known,
// also its conversion to simplified Chinese in mainland usage (convert). The
// conversion wins when it knows more parts, or as many when raw holds
// traditional characters (its unknown parts then keep simplified keys).
func resolveConverted(raw string, f func(string) []Ref) []Ref {
	refs := f(raw)
	n := known(refs)
	if n == len(refs) {
		return refs
	}
	if s, trad := convert(raw); s != raw {
		if conv := f(s); known(conv) > n || trad && known(conv) == n {
			return conv
		}
	}
	return refs
}

func known(refs []Ref) int {
	n := 0
	for _, r := range refs {
		if r.Known() {
			n++
		}
	}
	return n
}

func (t *Taxonomy) resolveSkill(raw string) []Ref {
	key := Fold(raw)
	if key == "" {
		return nil
	}
	if i, ok := t.lookupVariants(key); ok {
		return []Ref{{Index: i, Key: t.skills[i].ID, Text: t.skills[i].Label}}
	}
	if parts := splitList(raw); len(parts) > 1 {
		var out []Ref
		known := false
		for _, p := range parts {
			k := Fold(p)
			if k == "" {
				continue
			}
			if i, ok := t.lookupVariants(k); ok {
				known = true
				out = append(out, Ref{Index: i, Key: t.skills[i].ID, Text: t.skills[i].Label})
			} else {
				out = append(out, Ref{Index: -1, Key: k, Text: Clean(p)})
			}
		}
		if known {
			return out
		}
	}
	return []Ref{{Index: -1, Key: key, Text: Clean(raw)}}
}

// lookupVariants looks key up as is, then without proficiency words
// around it, a version suffix or a "js" suffix, in that order of preference.
func (t *Taxonomy) lookupVariants(key string) (int32, bool) {
	if i, ok := t.skillByKey[key]; ok {
		return i, true
	}
	variants := []string{key}
	for _, p := range affixPrefixes {
		if s, ok := strings.CutPrefix(key, p); ok && s != "" {
			variants = append(variants, s)
		}
	}
	for _, v := range variants[:len(variants):len(variants)] {
		for _, s := range affixSuffixes {
			if stem, ok := strings.CutSuffix(v, s); ok && stem != "" {
				variants = append(variants, stem)
			}
		}
	}
	for _, v := range variants[1:] {
		if i, ok := t.skillByKey[v]; ok {
			return i, true
		}
	}
	for _, v := range variants {
		if stem := stripVersion(v); stem != v {
			if i, ok := t.skillByKey[stem]; ok {
				return i, true
			}
		}
		if stem, ok := strings.CutSuffix(v, "js"); ok && utf8.RuneCountInString(stem) >= 2 {
			if i, ok := t.skillByKey[stem]; ok {
				return i, true
			}
		}
	}
	return -1, false
}

// stripVersion removes trailing digits (and a 'v' before them) from a folded
// key when at least two letters remain: "python3" → "python", "vue3" → "vue",
// "html5" → "html"; "r2" stays.
func stripVersion(k string) string {
	end := len(k)
	for end > 0 && k[end-1] >= '0' && k[end-1] <= '9' {
		end--
	}
	if end == len(k) {
		return k
	}
	if end > 0 && k[end-1] == 'v' && end-1 >= 2 {
		end--
	}
	if utf8.RuneCountInString(k[:end]) < 2 {
		return k
	}
	last, _ := utf8.DecodeLastRuneInString(k[:end])
	if !unicode.IsLetter(last) && last != '+' && last != '#' {
		return k
	}
	return k[:end]
}

// splitList splits text on list separators; it returns nil when there is
// only one part.
func splitList(raw string) []string {
	parts := []string{strings.ToLower(raw)}
	for _, sep := range separators {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	out := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// ResolveIndustry maps free text to an industry, or to an unknown ref.
// Traditional Chinese is converted as in ResolveSkill.
func (t *Taxonomy) ResolveIndustry(raw string) []Ref {
	return resolveConverted(raw, t.resolveIndustry)
}

func (t *Taxonomy) resolveIndustry(raw string) []Ref {
	key := Fold(raw)
	if key == "" {
		return nil
	}
	if i, ok := t.indByKey[key]; ok {
		return []Ref{{Index: i, Key: t.industries[i].ID, Text: t.industries[i].Label}}
	}
	for _, s := range []string{"行业", "产业", "领域", "industry", "sector"} {
		if stem, ok := strings.CutSuffix(key, s); ok && stem != "" {
			if i, ok := t.indByKey[stem]; ok {
				return []Ref{{Index: i, Key: t.industries[i].ID, Text: t.industries[i].Label}}
			}
		}
	}
	if parts := splitList(raw); len(parts) > 1 {
		var out []Ref
		known := false
		for _, p := range parts {
			k := Fold(p)
			if k == "" {
				continue
			}
			if i, ok := t.indByKey[k]; ok {
				known = true
				out = append(out, Ref{Index: i, Key: t.industries[i].ID, Text: t.industries[i].Label})
			} else {
				out = append(out, Ref{Index: -1, Key: k, Text: Clean(p)})
			}
		}
		if known {
			return out
		}
	}
	return []Ref{{Index: -1, Key: key, Text: Clean(raw)}}
}
