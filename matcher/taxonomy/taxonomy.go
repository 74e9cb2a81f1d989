package taxonomy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:embed taxonomy.tsv.gz
var embedded []byte

// Skill is one canonical skill concept.
type Skill struct {
	// ID is the stable identifier used in state and indexes, e.g. "python".
	ID string
	// Label is the canonical display name used in match explanations.
	Label string
	// Parents and Children are indexes of broader and narrower skills.
	Parents, Children []int32
	// Labels are the spellings that name the skill (English and Chinese).
	Labels []string
	// Kind says what the concept is: a skill (ESCO, O*NET or both), a
	// curated skill, an ESCO skill group or an O*NET technology class.
	Kind Kind
	// Sources are the ids of the open data the concept stands for:
	// "skill/<uuid>" (ESCO skill or skill group), "isced-f/<code>" (ESCO
	// knowledge group), "onet/<UNSPSC commodity>" (O*NET technology class).
	Sources []string
}

// ChineseLabel returns the skill's first Chinese label (its Chinese name:
// the curated table's first Chinese alias, or the name of curated/zh), or
// "" when it has none.
func (s *Skill) ChineseLabel() string {
	for _, l := range s.Labels {
		if hasHanRune(l) {
			return l
		}
	}
	return ""
}

// Kind is what a skill concept is.
type Kind string

// Skill concept kinds.
const (
	KindSkill   Kind = ""        // an ESCO skill or knowledge, an O*NET technology, or both
	KindCurated Kind = "curated" // a skill of the curated table (it may stand for ESCO and O*NET concepts too)
	KindGroup   Kind = "group"   // an ESCO skill group (S1.1…, T2…, ISCED-F fields)
	KindClass   Kind = "class"   // an O*NET technology class (UNSPSC commodity)
)

// Industry is one industry concept placed on a NACE Rev. 2 node.
type Industry struct {
	// ID is the stable identifier, e.g. "artificial-intelligence" or "nace-62".
	ID string
	// Label is the display name.
	Label string
	// Code is the NACE Rev. 2 node the industry sits at: a section ("J"),
	// division ("62"), group ("62.0") or class ("62.01").
	Code string
	// Labels are the spellings that name the industry.
	Labels []string
}

// Taxonomy is an immutable set of skills and industries with their labels.
type Taxonomy struct {
	skills     []Skill
	skillByID  map[string]int32
	skillByKey map[string]int32
	skillBySrc map[string]int32
	// esco holds ESCO's skill-to-skill relations of each skill, both
	// directions, sorted by related skill.
	esco map[int32][]escoLink
	// curatedKids counts each skill's curated children.
	curatedKids []int32

	industries []Industry
	indByID    map[string]int32
	indByKey   map[string]int32

	cities    []City
	cityByID  map[string]int32
	cityByKey map[string]int32

	naceParent map[string]string
}

// City is a place a job is located in or a candidate accepts.
type City struct {
	ID    string // e.g. "beijing"
	Label string // e.g. "Beijing"
}

var (
	defaultOnce sync.Once
	defaultTax  *Taxonomy
	defaultErr  error
)

// Default returns the taxonomy embedded in the binary, with the
// traditional-to-simplified Chinese dictionaries (ToSimplified) built. It is
// parsed once; the result is shared. It panics if the embedded data is corrupt, which a test
// of this package rules out.
func Default() *Taxonomy {
	defaultOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(embedded))
		if err != nil {
			defaultErr = err
			return
		}
		defaultTax, defaultErr = Parse(zr)
		if defaultErr == nil {
			// the traditional-Chinese conversion is part of the taxonomy:
			// build it now, where start-up pays for it, not on a first input
			_, defaultErr = loadSimplifier()
		}
	})
	if defaultErr != nil {
		panic(fmt.Sprintf("taxonomy: embedded data: %v", defaultErr))
	}
	return defaultTax
}

// Parse reads a taxonomy in the generated TSV format (see gen/): lines
//
//	S <id> <label> <parent ids|...> <labels|...> [<kind> <sources|...>]
//	R <skill id> <essential|optional> <related skill ids|...>
//	I <id> <label> <nace code> <labels|...>
//	C <id> <label> <labels|...>
//	N <nace code> <parent code>
//
// separated by tabs; '#' starts a comment line. Parent and related ids must
// name skills defined earlier or later in the same input. An R record says
// that ESCO holds each related skill essential (or optional) for the first.
func Parse(r io.Reader) (*Taxonomy, error) {
	t := &Taxonomy{
		skillByID:  make(map[string]int32),
		skillByKey: make(map[string]int32),
		skillBySrc: make(map[string]int32),
		esco:       make(map[int32][]escoLink),
		indByID:    make(map[string]int32),
		indByKey:   make(map[string]int32),
		cityByID:   make(map[string]int32),
		cityByKey:  make(map[string]int32),
		naceParent: make(map[string]string),
	}
	type pending struct {
		child   int32
		parents []string
	}
	var links []pending
	type pendingRel struct {
		line     int
		from, to string
		kind     string
	}
	var rels []pendingRel
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Split(text, "\t")
		switch {
		case f[0] == "S" && (len(f) == 5 || len(f) == 7):
			if _, dup := t.skillByID[f[1]]; dup || f[1] == "" {
				return nil, fmt.Errorf("taxonomy line %d: skill id %q empty or repeated", line, f[1])
			}
			i := int32(len(t.skills))
			t.skills = append(t.skills, Skill{ID: f[1], Label: f[2], Labels: splitLabels(f[4])})
			t.skillByID[f[1]] = i
			if len(f) == 7 {
				switch k := Kind(f[5]); k {
				case KindSkill, KindCurated, KindGroup, KindClass:
					t.skills[i].Kind = k
				default:
					return nil, fmt.Errorf("taxonomy line %d: unknown skill kind %q", line, f[5])
				}
				t.skills[i].Sources = splitLabels(f[6])
				for _, src := range t.skills[i].Sources {
					if _, dup := t.skillBySrc[src]; dup {
						return nil, fmt.Errorf("taxonomy line %d: source id %q repeated", line, src)
					}
					t.skillBySrc[src] = i
				}
			}
			if f[3] != "" {
				links = append(links, pending{i, strings.Split(f[3], "|")})
			}
			if err := addKeys(t.skillByKey, i, f[4]); err != nil {
				return nil, fmt.Errorf("taxonomy line %d: %w", line, err)
			}
		case f[0] == "I" && len(f) == 5:
			if _, dup := t.indByID[f[1]]; dup || f[1] == "" {
				return nil, fmt.Errorf("taxonomy line %d: industry id %q empty or repeated", line, f[1])
			}
			i := int32(len(t.industries))
			t.industries = append(t.industries, Industry{ID: f[1], Label: f[2], Code: f[3], Labels: splitLabels(f[4])})
			t.indByID[f[1]] = i
			if err := addKeys(t.indByKey, i, f[4]); err != nil {
				return nil, fmt.Errorf("taxonomy line %d: %w", line, err)
			}
		case f[0] == "C" && len(f) == 4:
			if _, dup := t.cityByID[f[1]]; dup || f[1] == "" {
				return nil, fmt.Errorf("taxonomy line %d: city id %q empty or repeated", line, f[1])
			}
			i := int32(len(t.cities))
			t.cities = append(t.cities, City{ID: f[1], Label: f[2]})
			t.cityByID[f[1]] = i
			if err := addKeys(t.cityByKey, i, f[3]); err != nil {
				return nil, fmt.Errorf("taxonomy line %d: %w", line, err)
			}
		case f[0] == "R" && len(f) == 4:
			if f[2] != "essential" && f[2] != "optional" {
				return nil, fmt.Errorf("taxonomy line %d: unknown relation %q", line, f[2])
			}
			for _, to := range strings.Split(f[3], "|") {
				rels = append(rels, pendingRel{line, f[1], to, f[2]})
			}
		case f[0] == "N" && len(f) == 3:
			t.naceParent[f[1]] = f[2]
		default:
			return nil, fmt.Errorf("taxonomy line %d: unexpected record %.40q", line, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("taxonomy: read: %w", err)
	}
	for _, l := range links {
		for _, p := range l.parents {
			pi, ok := t.skillByID[p]
			if !ok {
				return nil, fmt.Errorf("taxonomy: skill %s names unknown parent %s", t.skills[l.child].ID, p)
			}
			t.skills[l.child].Parents = append(t.skills[l.child].Parents, pi)
			t.skills[pi].Children = append(t.skills[pi].Children, l.child)
		}
	}
	t.curatedKids = make([]int32, len(t.skills))
	for i := range t.skills {
		for _, c := range t.skills[i].Children {
			if t.skills[c].Kind == KindCurated {
				t.curatedKids[i]++
			}
		}
	}
	for _, r := range rels {
		a, okA := t.skillByID[r.from]
		b, okB := t.skillByID[r.to]
		if !okA || !okB || a == b {
			return nil, fmt.Errorf("taxonomy line %d: relation %s %s %s names an unknown skill or the skill itself", r.line, r.from, r.kind, r.to)
		}
		fwd, rev := RelEssentialFor, RelRequires // b is essential for a
		if r.kind == "optional" {
			fwd, rev = RelOptionalFor, RelUses
		}
		t.esco[a] = append(t.esco[a], escoLink{to: b, kind: fwd})
		t.esco[b] = append(t.esco[b], escoLink{to: a, kind: rev})
	}
	for _, ind := range t.industries {
		if _, ok := t.naceParent[ind.Code]; !ok && ind.Code != "" {
			return nil, fmt.Errorf("taxonomy: industry %s sits on unknown NACE code %q", ind.ID, ind.Code)
		}
	}
	return t, nil
}

func splitLabels(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// addKeys indexes the folded labels of concept i. A key may belong to one
// concept only: the generator resolves ambiguous labels before writing.
func addKeys(m map[string]int32, i int32, labels string) error {
	if labels == "" {
		return nil
	}
	for _, l := range strings.Split(labels, "|") {
		k := Fold(l)
		if k == "" {
			continue
		}
		if j, taken := m[k]; taken && j != i {
			return fmt.Errorf("label %q is claimed twice", l)
		}
		m[k] = i
	}
	return nil
}

// NumSkills returns the number of skill concepts.
func (t *Taxonomy) NumSkills() int { return len(t.skills) }

// NumIndustries returns the number of industry concepts.
func (t *Taxonomy) NumIndustries() int { return len(t.industries) }

// NumSkillLabels returns the number of distinct folded skill labels.
func (t *Taxonomy) NumSkillLabels() int { return len(t.skillByKey) }

// SkillAt returns the skill with index i.
func (t *Taxonomy) SkillAt(i int32) *Skill { return &t.skills[i] }

// IndustryAt returns the industry with index i.
func (t *Taxonomy) IndustryAt(i int32) *Industry { return &t.industries[i] }

// SkillByID returns the index of the skill with the given id.
func (t *Taxonomy) SkillByID(id string) (int32, bool) {
	i, ok := t.skillByID[id]
	return i, ok
}

// SkillBySource returns the index of the skill concept that stands for an
// id of the open data: "skill/<uuid>" (ESCO skill or skill group),
// "isced-f/<code>" or "onet/<UNSPSC commodity code>".
func (t *Taxonomy) SkillBySource(src string) (int32, bool) {
	i, ok := t.skillBySrc[src]
	return i, ok
}

// IndustryByID returns the index of the industry with the given id.
func (t *Taxonomy) IndustryByID(id string) (int32, bool) {
	i, ok := t.indByID[id]
	return i, ok
}

// LookupSkill returns the skill whose label or alias folds to key.
func (t *Taxonomy) LookupSkill(key string) (int32, bool) {
	i, ok := t.skillByKey[key]
	return i, ok
}

// LookupIndustry returns the industry whose label or alias folds to key.
func (t *Taxonomy) LookupIndustry(key string) (int32, bool) {
	i, ok := t.indByKey[key]
	return i, ok
}

// ResolveCity returns the id of the city named by free text ("北京",
// "Beijing", "beijing shi", "北京市", "臺北"), or the folded simplified text
// for a city the taxonomy does not list, so that equal spellings still
// compare equal ("海澱" and "海淀" alike).
func (t *Taxonomy) ResolveCity(raw string) string {
	id, ok := t.resolveCity(raw)
	if ok {
		return id
	}
	if s, trad := convert(raw); s != raw {
		if conv, ok := t.resolveCity(s); ok || trad {
			return conv
		}
	}
	return id
}

func (t *Taxonomy) resolveCity(raw string) (string, bool) {
	k := Fold(raw)
	if i, ok := t.cityByKey[k]; ok {
		return t.cities[i].ID, true
	}
	for _, s := range []string{"市", "shi", "city"} {
		if stem, ok := strings.CutSuffix(k, s); ok && stem != "" {
			if i, ok := t.cityByKey[stem]; ok {
				return t.cities[i].ID, true
			}
		}
	}
	return k, false
}

// NACEParent returns the parent of a NACE code ("62.01" → "62.0" → "62" →
// "J" → "").
func (t *Taxonomy) NACEParent(code string) string { return t.naceParent[code] }

// naceLevel returns 1 for a section, 2 division, 3 group, 4 class.
func (t *Taxonomy) naceLevel(code string) int {
	n := 0
	for c := code; c != ""; c = t.naceParent[c] {
		n++
		if n > 8 {
			break
		}
	}
	return n
}

// naceAncestors returns code and its ancestors, most specific first.
func (t *Taxonomy) naceAncestors(code string) []string {
	var out []string
	for c := code; c != "" && len(out) < 8; c = t.naceParent[c] {
		out = append(out, c)
	}
	return out
}
