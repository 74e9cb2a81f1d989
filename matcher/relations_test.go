package matcher

import (
	"testing"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// TestRelatedNeverOutranksExact: a candidate holding a job's skill scores
// above one holding every skill related to it in any way, and a match
// through a relation outside the hierarchy says which relation.
func TestRelatedNeverOutranksExact(t *testing.T) {
	tax := taxonomy.Default()
	s := NewScorer(tax, ScoreConfig{})
	for _, skill := range []string{"python", "java", "cybersecurity", "kubernetes", "deep-learning"} {
		i, ok := tax.SkillByID(skill)
		if !ok {
			t.Fatalf("no skill %s", skill)
		}
		var related []string
		for _, r := range tax.RelatedSkills(i) {
			related = append(related, tax.SkillAt(r.Index).ID)
		}
		job := &JobFeatures{Required: []string{skill}}
		exact := s.Score(job, &CandidateFeatures{Skills: []string{skill}}, flat)
		rel := s.Score(job, &CandidateFeatures{Skills: related}, flat)
		if rel.Score >= exact.Score || rel.SkillScore > taxonomy.CreditNarrower {
			t.Errorf("%s: all %d related skills score %v, the skill itself %v", skill, len(related), rel.Score, exact.Score)
		}
	}
	job := &JobFeatures{JobID: "j", Required: []string{"python", "docker"}}
	r := s.ScoreExplained(job, &CandidateFeatures{Skills: []string{"java", "docker"}}, flat)
	if len(r.Partial) != 1 || r.Partial[0].Credit != taxonomy.CreditSiblingCurated {
		t.Fatalf("partial %+v, want python via java at %v", r.Partial, taxonomy.CreditSiblingCurated)
	}
	var m Match
	s.Explain(&m, job, r)
	if want := "Java (same field: software development)"; len(m.PartialSkills) != 1 || m.PartialSkills[0].Via != want {
		t.Errorf("explanation %+v, want via %q", m.PartialSkills, want)
	}
	r = s.ScoreExplained(&JobFeatures{JobID: "j", Required: []string{"deep-learning"}}, &CandidateFeatures{Skills: []string{"pytorch"}}, flat)
	s.Explain(&m, job, r)
	if len(m.PartialSkills) != 1 || m.PartialSkills[0].Via != "PyTorch" {
		t.Errorf("hierarchy explanation %+v, want via PyTorch alone", m.PartialSkills)
	}
}
