package matcher

import (
	"fmt"
	"testing"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// Benchmarks of the hot paths that do no I/O: normalisation and scoring.
// Retrieval is benchmarked in matcher/mirror; make bench runs them all.

func BenchmarkNormalizeCandidate(b *testing.B) {
	n := NewNormalizer(taxonomy.Default())
	c := &Candidate{CandidateID: "c1", Skills: []string{"Python3", "机器学习", "PyTorch", "k8s", "Golang", "C/C++", "熟悉Docker", "quantum widgets"},
		Industries: []string{"人工智能"}, Locations: []string{"北京", "Shanghai"}, Degree: DegreeMaster}
	b.ReportAllocs()
	for b.Loop() {
		n.Candidate(c)
	}
}

func BenchmarkResolveSkill(b *testing.B) {
	tax := taxonomy.Default()
	for _, s := range []string{"Python", "机器学习", "Python 3.11", "熟悉Kubernetes开发经验", "quantum widget design"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tax.ResolveSkill(s)
			}
		})
	}
}

func BenchmarkScore(b *testing.B) {
	s := NewScorer(taxonomy.Default(), ScoreConfig{})
	j := &JobFeatures{Required: []string{"python", "deep-learning", "kubernetes", "docker", "go", "machine-learning"},
		Preferred: []string{"pytorch", "x:widgets"}, Industries: []string{"nace-62.01"}}
	cases := map[string]*CandidateFeatures{
		"exact":   {Skills: []string{"python", "deep-learning", "kubernetes", "docker"}, Industries: []string{"nace-62.02"}},
		"partial": {Skills: []string{"pytorch", "tensorflow", "java"}, Industries: []string{"nace-21.20"}},
		"none":    {Skills: []string{"welding", "x:foo"}},
	}
	w := func(string) float64 { return 2 }
	for name, c := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Score(j, c, w)
			}
		})
	}
	b.Run("explained", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.ScoreExplained(j, cases["partial"], w)
		}
	})
}

func BenchmarkSelect(b *testing.B) {
	items := make([]Scored, 5000)
	for i := range items {
		items[i] = Scored{Key: fmt.Sprintf("c%d", i), Score: float64(i%1000) / 1000, Shared: []string{"a"}}
	}
	sel := Selection{Floor: 0.45, Policy: func(string) (float64, int) { return 0.45, 20 }}
	b.ReportAllocs()
	for b.Loop() {
		cp := append([]Scored(nil), items...)
		sel.Select(cp)
	}
}
