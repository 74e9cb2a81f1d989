package matcher

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// TestFreeTextSkills: skills read from a job's description are added as
// preferred skills after the listed ones, never replacing or repeating a
// listed skill; a candidate's summary adds skills after the listed ones; a
// match explains the skills read from text with their spans.
func TestFreeTextSkills(t *testing.T) {
	tax := taxonomy.Default()
	n := NewNormalizer(tax)
	jf := n.Job(&Job{JobID: "j1", CompanyID: "acme", Title: "Backend", RequiredSkills: []string{"Go"},
		PreferredSkills: []string{"Redis"}, Industries: []string{"software"},
		Description: "You will run Kubernetes clusters; experience with Go and Kafka is a plus."})
	if !slices.Equal(jf.Required, []string{"go"}) {
		t.Fatalf("required %v, want [go]", jf.Required)
	}
	if len(jf.Preferred) < 3 || jf.Preferred[0] != "redis" || !slices.Contains(jf.Preferred, "kubernetes") || !slices.Contains(jf.Preferred, "kafka") {
		t.Fatalf("preferred %v, want redis first, then kubernetes and kafka from the description", jf.Preferred)
	}
	for _, x := range jf.Extracted {
		if x.Token == "go" || x.Token == "redis" {
			t.Errorf("listed skill %s repeated as extracted", x.Token)
		}
	}
	cf := n.Candidate(&Candidate{CandidateID: "c1", Skills: []string{"Golang"}, Summary: "五年后端开发经验，熟悉Kubernetes。", ConsentToMatch: true})
	if cf.Skills[0] != "go" || !slices.Contains(cf.Skills, "kubernetes") {
		t.Fatalf("candidate skills %v, want go then kubernetes from the summary", cf.Skills)
	}
	// The stored form keeps what the explanation needs and nothing of the text.
	b, _ := json.Marshal(cf)
	var back CandidateFeatures
	if err := json.Unmarshal(b, &back); err != nil || len(back.Extracted) != len(cf.Extracted) {
		t.Fatalf("round trip %s: %v", b, err)
	}

	s := NewScorer(tax, ScoreConfig{})
	r := s.ScoreExplained(jf, cf, flat)
	var m Match
	s.Explain(&m, jf, r)
	var fromJob, fromCand bool
	for _, x := range m.ExtractedSkills {
		if x.Skill == "Kubernetes" && x.Source == SourceJobDescription && x.Span.Text == "Kubernetes" {
			fromJob = true
		}
		if x.Skill == "Kubernetes" && x.Source == SourceCandidateSummary && x.Span.Text == "Kubernetes" {
			fromCand = true
		}
	}
	if !fromJob || !fromCand {
		t.Errorf("extracted_skills %+v, want Kubernetes from the description and from the summary", m.ExtractedSkills)
	}
	// Without text, features and scores are as before.
	plain := n.Job(&Job{JobID: "j1", CompanyID: "acme", Title: "Backend", RequiredSkills: []string{"Go"},
		PreferredSkills: []string{"Redis"}, Industries: []string{"software"}})
	if plain.Extracted != nil || !slices.Equal(plain.Preferred, []string{"redis"}) {
		t.Errorf("job without description: %+v", plain)
	}
	// A skill read from the summary gives reduced credit, and is not
	// explained as a partial match.
	listed := n.Candidate(&Candidate{CandidateID: "c4", Skills: []string{"Golang", "Kubernetes"}, ConsentToMatch: true})
	if a, b := s.Score(jf, cf, flat).SkillScore, s.Score(jf, listed, flat).SkillScore; !(a < b) {
		t.Errorf("skill score with Kubernetes read from the summary %v, listed %v: want less from the summary", a, b)
	}
	for _, p := range r.Partial {
		if p.Skill == "kubernetes" {
			t.Errorf("kubernetes from the summary explained as partial: %+v", p)
		}
	}
	// An extracted job skill counts as a preferred one: less than a required one.
	only := n.Candidate(&Candidate{CandidateID: "c2", Skills: []string{"Go"}, ConsentToMatch: true})
	withK8s := n.Candidate(&Candidate{CandidateID: "c3", Skills: []string{"Go", "Kubernetes"}, ConsentToMatch: true})
	if a, b := s.Score(jf, only, flat).SkillScore, s.Score(jf, withK8s, flat).SkillScore; !(b > a) {
		t.Errorf("skill score without %v, with Kubernetes %v: want higher with it", a, b)
	}
}
