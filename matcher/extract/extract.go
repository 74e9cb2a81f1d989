package extract

import (
	"math"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	aho "github.com/petar-dambovaliev/aho-corasick"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// MaxTextBytes bounds the text one call reads; the rest is ignored. The
// contract bounds descriptions and summaries well below it.
const MaxTextBytes = 64 << 10

// Span is where a skill was read: code-point offsets [Start, End) into the
// text, and the text itself.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Skill is one skill read from a text.
type Skill struct {
	// Index is the skill's index in the taxonomy.
	Index int32 `json:"-"`
	// ID and Label are the taxonomy's id and display label.
	ID    string `json:"id"`
	Label string `json:"label"`
	// ESCO is the ESCO concept id ("skill/<uuid>") for the embedded
	// taxonomy, or "" when the skill has none.
	ESCO string `json:"esco"`
	// Score in [0, 1] says how sure the extractor is; skills are returned
	// best first.
	Score float64 `json:"score"`
	// Span is the first place the skill was read.
	Span Span `json:"span"`
}

// pattern is one folded label in the automaton.
type pattern struct {
	skill int32
	kind  kind
	runes int  // runes in the folded key
	words int  // words in the label
	dot   bool // the label starts with '.' (".NET"), which Fold drops
}

// Extractor reads skills from text with one taxonomy. It is safe for
// concurrent use; the automaton is built on first use.
type Extractor struct {
	tax       *taxonomy.Taxonomy
	once      sync.Once
	ac        aho.AhoCorasick
	pats      []pattern
	buildTime time.Duration
	esco      func(id string) string
}

var cache sync.Map // *taxonomy.Taxonomy → *Extractor

// For returns the extractor of tax, shared by all callers, so the automaton
// is built once per taxonomy.
func For(tax *taxonomy.Taxonomy) *Extractor {
	if e, ok := cache.Load(tax); ok {
		return e.(*Extractor)
	}
	e, _ := cache.LoadOrStore(tax, New(tax))
	return e.(*Extractor)
}

// New returns an extractor over tax. ESCO ids are those of the embedded
// taxonomy (taxonomy.ESCOID); for another taxonomy they are reported only
// where its skill ids coincide.
func New(tax *taxonomy.Taxonomy) *Extractor {
	return &Extractor{tax: tax, esco: taxonomy.ESCOID}
}

// Build builds the automaton now rather than on first use, and returns how
// long that took (zero if it was already built).
func (e *Extractor) Build() time.Duration {
	e.once.Do(e.build)
	return e.buildTime
}

func (e *Extractor) build() {
	start := time.Now()
	var keys []string
	seen := make(map[string]bool)
	for i := 0; i < e.tax.NumSkills(); i++ {
		s := e.tax.SkillAt(int32(i))
		if s.Kind == taxonomy.KindGroup || s.Kind == taxonomy.KindClass {
			// Skill groups and technology classes are categories: "skills",
			// "languages" or "database software" in prose claim no skill.
			continue
		}
		for _, l := range s.Labels {
			k := taxonomy.Fold(l)
			if k == "" || seen[k] {
				continue
			}
			// A key belongs to one skill; the taxonomy says which.
			if j, ok := e.tax.LookupSkill(k); !ok || j != int32(i) {
				continue
			}
			seen[k] = true
			keys = append(keys, k)
			e.pats = append(e.pats, pattern{
				skill: int32(i),
				kind:  labelKind(l, k, taxonomy.Fold(s.Label) == k),
				runes: utf8.RuneCountInString(k),
				words: words(l),
				dot:   len(l) > 1 && l[0] == '.',
			})
		}
	}
	b := aho.NewAhoCorasickBuilder(aho.Opts{MatchKind: aho.StandardMatch})
	e.ac = b.Build(keys)
	e.buildTime = time.Since(start)
}

// spanWords counts the runs of text separated by white space in runes [a, b).
func spanWords(t *text, a, b int) int {
	n, in := 0, false
	for _, r := range t.runes[a:b] {
		sp := r == ' ' || r == '\t' || r == '\u00a0' || r == '\u3000' || r == '\n'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// words counts the words of a label, split at spaces and hyphens.
func words(l string) int {
	n, in := 0, false
	for _, r := range l {
		sp := r == ' ' || r == '-'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// match is a label found in a text.
type match struct {
	pat  int
	a, b int // runes
	s, e int // folded bytes
}

func (m match) overlaps(o match) bool { return m.a < o.b && o.a < m.b }

// raw returns every occurrence of every label in the folded text.
func (e *Extractor) raw(t *text) []match {
	e.once.Do(e.build)
	var out []match
	it := e.ac.IterOverlappingByte(t.fold)
	for m := it.Next(); m != nil; m = it.Next() {
		out = append(out, match{pat: m.Pattern(), s: m.Start(), e: m.End()})
	}
	return out
}

// Extract returns the skills read from text, best first.
func (e *Extractor) Extract(text string) []Skill {
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
	}
	t := newText(text)
	if len(t.fold) == 0 {
		return nil
	}
	var sure, unsure []match
	for _, m := range e.raw(t) {
		a, b, ok := t.span(m.s, m.e)
		if !ok || !t.bounded(a, b) {
			continue
		}
		m.a, m.b = a, b
		p := e.pats[m.pat]
		if spanWords(t, a, b) > p.words {
			continue // "R or" is not "RoR": a label is not made of more words than it has
		}
		if p.runes == 1 && !isASCII(t.str(a, b)) {
			continue // one Chinese character is never a skill on its own
		}
		if p.dot && (a == 0 || t.runes[a-1] != '.') {
			continue
		}
		if p.kind == plain {
			sure = append(sure, m)
		} else {
			unsure = append(unsure, m)
		}
	}
	// Longest first; of equal length, leftmost.
	longest := func(ms []match) {
		sort.SliceStable(ms, func(i, j int) bool {
			if d := (ms[i].e - ms[i].s) - (ms[j].e - ms[j].s); d != 0 {
				return d > 0
			}
			return ms[i].a < ms[j].a
		})
	}
	// Every candidate, sure or not, competes for its span: an ambiguous
	// "React" does not stand when "React Native" does, nor does a short sure
	// label inside a longer ambiguous one that the gate lets through.
	longest(sure)
	var kept []match
	for _, m := range sure {
		if !overlapsAny(m, kept) && !coveredByLonger(m, unsure) {
			kept = append(kept, m)
		}
	}
	// Ambiguous labels next: each must pass the gate in the context of what
	// was kept. Two passes let a list of ambiguous names ("Go、Rust") support
	// each other once one of them has other evidence.
	longest(unsure)
	gated := make(map[int]bool)
	for pass := 0; pass < 2; pass++ {
		for i, m := range unsure {
			if gated[i] || overlapsAny(m, kept) {
				continue
			}
			c := &context{t: t, a: m.a, b: m.b, accepted: kept, techInText: len(kept)}
			if c.evidence(e.pats[m.pat].kind) >= 2 {
				gated[i] = true
				kept = append(kept, m)
			}
		}
	}
	// Short sure labels under an ambiguous one that did not pass.
	for _, m := range sure {
		if !overlapsAny(m, kept) {
			kept = append(kept, m)
		}
	}
	return e.rank(t, kept, gated, unsure)
}

func overlapsAny(m match, ms []match) bool {
	for _, o := range ms {
		if m.overlaps(o) {
			return true
		}
	}
	return false
}

// coveredByLonger reports whether a longer match overlaps m; the longer one
// decides (if it fails the gate, m is reconsidered at the end).
func coveredByLonger(m match, ms []match) bool {
	for _, o := range ms {
		if o.e-o.s > m.e-m.s && m.overlaps(o) {
			return true
		}
	}
	return false
}

// rank scores each skill once, at its first span, best first.
func (e *Extractor) rank(t *text, kept []match, gated map[int]bool, unsure []match) []Skill {
	amb := make(map[[2]int]bool)
	for i, m := range unsure {
		if gated[i] {
			amb[[2]int{m.a, m.pat}] = true
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].a < kept[j].a })
	type acc struct {
		first match
		n     int
		best  float64
	}
	by := make(map[int32]*acc)
	var order []int32
	for _, m := range kept {
		p := e.pats[m.pat]
		s := labelScore(p, amb[[2]int{m.a, m.pat}])
		a, ok := by[p.skill]
		if !ok {
			a = &acc{first: m}
			by[p.skill] = a
			order = append(order, p.skill)
		}
		a.n++
		a.best = math.Max(a.best, s)
	}
	out := make([]Skill, 0, len(order))
	for _, i := range order {
		a := by[i]
		sk := e.tax.SkillAt(i)
		score := a.best + 0.05*float64(min(a.n-1, 2))
		out = append(out, Skill{
			Index: i,
			ID:    sk.ID,
			Label: sk.Label,
			ESCO:  e.esco(sk.ID),
			Score: math.Round(math.Min(score, 1)*1000) / 1000,
			Span:  Span{Start: a.first.a, End: a.first.b, Text: t.str(a.first.a, a.first.b)},
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// labelScore is how sure a match of pattern p is on its own: longer and
// multi-word labels are surer; a label that needed the gate is less sure.
func labelScore(p pattern, ambiguous bool) float64 {
	s := 0.55 + 0.35*math.Min(1, float64(p.runes)/12)
	if p.words > 1 {
		s += 0.05
	}
	if p.kind != plain || ambiguous {
		s -= 0.15
	}
	return s
}

// Literal is the baseline extraction: every label whose folded form occurs
// anywhere in the folded text, with no word boundaries, ambiguity gate or
// longest-match preference, in order of first occurrence.
func (e *Extractor) Literal(text string) []Skill {
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
	}
	t := newText(text)
	if len(t.fold) == 0 {
		return nil
	}
	ms := e.raw(t)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].s < ms[j].s })
	seen := make(map[int32]bool)
	var out []Skill
	for _, m := range ms {
		p := e.pats[m.pat]
		if seen[p.skill] {
			continue
		}
		seen[p.skill] = true
		a, b := int(t.src[m.s]), int(t.src[m.e-1])+1
		sk := e.tax.SkillAt(p.skill)
		out = append(out, Skill{Index: p.skill, ID: sk.ID, Label: sk.Label, ESCO: e.esco(sk.ID), Score: 1,
			Span: Span{Start: a, End: b, Text: t.str(a, b)}})
	}
	return out
}
