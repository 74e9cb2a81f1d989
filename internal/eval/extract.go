package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/talentmatch/talentmatch/matcher/extract"
)

// TextCase is one annotated sentence of a free-text extraction set: the
// ESCO skill ids ("skill/<uuid>") a reader finds asked for or claimed in it.
type TextCase struct {
	ID     string   `json:"id"`
	Lang   string   `json:"lang"`
	Kind   string   `json:"kind"`
	Text   string   `json:"text"`
	Skills []string `json:"skills"`
}

// ReadTextCases reads a JSONL extraction set.
func ReadTextCases(r io.Reader) ([]TextCase, error) {
	var out []TextCase
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c TextCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if c.ID == "" {
			return nil, fmt.Errorf("line %d: no id", n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return out, nil
}

// ExtractMetrics are micro-averaged figures over a set: of the top K skills
// returned per sentence, Precision is the share that are gold, Recall the
// share of gold skills among them.
type ExtractMetrics struct {
	Recall    float64 `json:"recall_at_k"`
	Precision float64 `json:"precision_at_k"`
	Hits      int     `json:"hits"`
	Returned  int     `json:"returned"`
	// EmptyClean is the share of sentences with no gold skill for which
	// nothing was returned.
	EmptyClean float64 `json:"empty_clean"`
	// NearRecall and NearPrecision count a returned skill that is a gold
	// skill's parent, child or sibling in the taxonomy as right too (ESCO
	// has near-duplicates such as "machine learning" and "utilise machine
	// learning"); zero when no Near function was given.
	NearRecall    float64 `json:"near_recall_at_k,omitempty"`
	NearPrecision float64 `json:"near_precision_at_k,omitempty"`
}

// ExtractReport compares the extractor with the literal baseline.
type ExtractReport struct {
	K         int            `json:"k"`
	Sentences int            `json:"sentences"`
	Gold      int            `json:"gold_skills"`
	Extractor ExtractMetrics `json:"extractor"`
	Literal   ExtractMetrics `json:"literal_baseline"`
	// ByLang holds the same figures per value of the sentences' lang.
	ByLang map[string]LangReport `json:"by_lang"`
	// Reachable is the share of gold skills the taxonomy can name at all
	// (it has a concept with that ESCO id).
	Reachable float64 `json:"reachable"`
	// LabelCeiling is the recall of literal lookup with no cut at k: the
	// share of gold skills one of whose labels occurs in the text at all.
	// It bounds what any label lookup finds.
	LabelCeiling float64 `json:"label_ceiling"`
	Seconds      float64 `json:"seconds"`
}

// LangReport is one language's part of an ExtractReport.
type LangReport struct {
	Sentences int            `json:"sentences"`
	Gold      int            `json:"gold_skills"`
	Extractor ExtractMetrics `json:"extractor"`
	Literal   ExtractMetrics `json:"literal_baseline"`
}

type counts struct{ hits, returned, gold, empty, emptyClean, nearGold, nearPred int }

func (c *counts) add(pred []string, gold map[string]bool, near func(p, g string) bool) {
	c.returned += len(pred)
	c.gold += len(gold)
	for _, p := range pred {
		if gold[p] {
			c.hits++
		}
	}
	if near != nil {
		for g := range gold {
			for _, p := range pred {
				if p == g || near(p, g) {
					c.nearGold++
					break
				}
			}
		}
		for _, p := range pred {
			for g := range gold {
				if p == g || near(p, g) {
					c.nearPred++
					break
				}
			}
		}
	}
	if len(gold) == 0 {
		c.empty++
		if len(pred) == 0 {
			c.emptyClean++
		}
	}
}

func (c counts) metrics() ExtractMetrics {
	m := ExtractMetrics{Hits: c.hits, Returned: c.returned}
	if c.gold > 0 {
		m.Recall = round3(float64(c.hits) / float64(c.gold))
	}
	if c.returned > 0 {
		m.Precision = round3(float64(c.hits) / float64(c.returned))
	}
	if c.empty > 0 {
		m.EmptyClean = round3(float64(c.emptyClean) / float64(c.empty))
	}
	if c.nearGold+c.nearPred > 0 {
		m.NearRecall = round3(float64(c.nearGold) / float64(max(c.gold, 1)))
		m.NearPrecision = round3(float64(c.nearPred) / float64(max(c.returned, 1)))
	}
	return m
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// topESCO returns the ESCO ids of the first k skills that have one. Skills
// without an ESCO id cannot be judged against an ESCO-annotated set and are
// passed over, for the extractor and the baseline alike.
func topESCO(sk []extract.Skill, k int) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range sk {
		if len(out) == k {
			break
		}
		if s.ESCO != "" && !seen[s.ESCO] {
			seen[s.ESCO] = true
			out = append(out, s.ESCO)
		}
	}
	return out
}

// ExtractOptions tune EvaluateExtraction.
type ExtractOptions struct {
	// K is the cut: the top K skills of each sentence are scored.
	K int
	// Known reports whether the taxonomy has a concept with an ESCO id
	// (for Reachable); nil skips that figure.
	Known func(esco string) bool
	// Near reports whether a returned ESCO id is a near miss for a gold
	// one (for the Near figures); nil skips them.
	Near func(pred, gold string) bool
}

// EvaluateExtraction runs the extractor and the literal baseline over every
// case and scores the top K of each.
func EvaluateExtraction(cases []TextCase, ex *extract.Extractor, o ExtractOptions) ExtractReport {
	start := time.Now()
	k, known, near := o.K, o.Known, o.Near
	var all, lit, ceil counts
	byLang := map[string]*[2]counts{}
	reach := 0
	for _, c := range cases {
		gold := map[string]bool{}
		for _, s := range c.Skills {
			if !gold[s] && known != nil && known(s) {
				reach++
			}
			gold[s] = true
		}
		p := topESCO(ex.Extract(c.Text), k)
		litAll := ex.Literal(c.Text)
		l := topESCO(litAll, k)
		all.add(p, gold, near)
		lit.add(l, gold, near)
		ceil.add(topESCO(litAll, len(litAll)), gold, nil)
		b := byLang[c.Lang]
		if b == nil {
			b = &[2]counts{}
			byLang[c.Lang] = b
		}
		b[0].add(p, gold, near)
		b[1].add(l, gold, near)
	}
	rep := ExtractReport{K: k, Sentences: len(cases), Gold: all.gold, Extractor: all.metrics(), Literal: lit.metrics(),
		ByLang: map[string]LangReport{}}
	rep.LabelCeiling = ceil.metrics().Recall
	if all.gold > 0 && known != nil {
		rep.Reachable = round3(float64(reach) / float64(all.gold))
	}
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		b := byLang[l]
		n := 0
		for _, c := range cases {
			if c.Lang == l {
				n++
			}
		}
		rep.ByLang[l] = LangReport{Sentences: n, Gold: b[0].gold, Extractor: b[0].metrics(), Literal: b[1].metrics()}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep
}
