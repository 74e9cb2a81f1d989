package matcher

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func flat(string) float64 { return 1 }

func TestNormalizeJob(t *testing.T) {
	n := NewNormalizer(taxonomy.Default())
	f := n.Job(&Job{JobID: "j", CompanyID: "co", RequiredSkills: []string{"Golang", "Go语言", "k8s", "Quantum Widgets"},
		PreferredSkills: []string{"Kubernetes", "Docker"}, Industries: []string{"人工智能"}, Location: "北京市", MinDegree: DegreeMaster})
	if want := []string{"go", "kubernetes", "x:quantumwidgets"}; !reflect.DeepEqual(f.Required, want) {
		t.Errorf("required %v, want %v (deduplicated, unknown kept)", f.Required, want)
	}
	if want := []string{"docker"}; !reflect.DeepEqual(f.Preferred, want) {
		t.Errorf("preferred %v, want %v (required ones removed)", f.Preferred, want)
	}
	if f.Labels["x:quantumwidgets"] != "quantum widgets" {
		t.Errorf("unknown skill label %q", f.Labels["x:quantumwidgets"])
	}
	if f.Location != "beijing" || f.MinDegree != 2 || !reflect.DeepEqual(f.Campaigns, []string{OpenPool}) {
		t.Errorf("location %q degree %d campaigns %v", f.Location, f.MinDegree, f.Campaigns)
	}
	c := n.Candidate(&Candidate{CandidateID: "c", Skills: []string{"python", "Python3"}, Locations: []string{"Beijing", "北京"}, CampaignIDs: []string{"b", "a", "b"}})
	if !reflect.DeepEqual(c.Skills, []string{"python"}) || !reflect.DeepEqual(c.Locations, []string{"beijing"}) || !reflect.DeepEqual(c.Campaigns, []string{"a", "b"}) {
		t.Errorf("candidate features %+v", c)
	}
}

func TestScore(t *testing.T) {
	s := NewScorer(taxonomy.Default(), ScoreConfig{})
	job := &JobFeatures{Required: []string{"python", "deep-learning"}, Preferred: []string{"kubernetes"}, Industries: []string{"nace-62.01"}}
	tests := []struct {
		name               string
		skills, industries []string
		skill, industry    float64
		matched, missing   []string
		partialVia         string
	}{
		{"all skills, same industry", []string{"python", "deep-learning", "kubernetes"}, []string{"nace-62.01"}, 1, 1,
			[]string{"python", "deep-learning", "kubernetes"}, nil, ""},
		{"required only", []string{"python", "deep-learning"}, nil, 2.0 / 2.5, 0, []string{"python", "deep-learning"}, nil, ""},
		{"one required", []string{"python"}, nil, 1.0 / 2.5, 0, []string{"python"}, []string{"deep-learning"}, ""},
		{"partial via narrower skill", []string{"python", "pytorch"}, nil, (1 + taxonomy.CreditNarrower) / 2.5, 0,
			[]string{"python", "deep-learning"}, nil, "pytorch"},
		{"industry by division", []string{"python", "deep-learning", "kubernetes"}, []string{"nace-62.02"}, 1, taxonomy.ClosenessGroup,
			[]string{"python", "deep-learning", "kubernetes"}, nil, ""},
		{"preferred only is no match", []string{"kubernetes"}, []string{"nace-62.01"}, 0, 0, nil, []string{"python", "deep-learning"}, ""},
		{"nothing", []string{"welding"}, nil, 0, 0, nil, []string{"python", "deep-learning"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.ScoreExplained(job, &CandidateFeatures{Skills: tc.skills, Industries: tc.industries}, flat)
			if math.Abs(r.SkillScore-round4(tc.skill)) > 1e-9 || r.IndustryScore != tc.industry {
				t.Errorf("skill %v industry %v, want %v %v", r.SkillScore, r.IndustryScore, round4(tc.skill), tc.industry)
			}
			wantScore := 0.0
			if tc.skill > 0 {
				wantScore = round4(0.8*round4(tc.skill) + 0.2*tc.industry)
			}
			if r.Score != wantScore {
				t.Errorf("score %v, want %v", r.Score, wantScore)
			}
			if !reflect.DeepEqual(r.Matched, tc.matched) {
				t.Errorf("matched %v, want %v", r.Matched, tc.matched)
			}
			if tc.skill > 0 && !reflect.DeepEqual(r.Missing, tc.missing) {
				t.Errorf("missing %v, want %v", r.Missing, tc.missing)
			}
			if tc.partialVia != "" && (len(r.Partial) != 1 || r.Partial[0].Via != tc.partialVia) {
				t.Errorf("partial %+v, want one via %s", r.Partial, tc.partialVia)
			}
			if plain := s.Score(job, &CandidateFeatures{Skills: tc.skills, Industries: tc.industries}, flat); plain.Score != r.Score {
				t.Errorf("Score %v differs from ScoreExplained %v", plain.Score, r.Score)
			}
		})
	}
}

func TestWeight(t *testing.T) {
	s := NewScorer(taxonomy.Default(), ScoreConfig{})
	common, rare := s.Weight(2500, 10000), s.Weight(3, 10000)
	if !(rare > common && common > 1) {
		t.Errorf("rare weight %v should exceed common %v, both above 1", rare, common)
	}
	if max := s.Weight(0, 1<<40); max != 1+s.Config().MaxIDF {
		t.Errorf("weight is not capped: %v", max)
	}
	if w := s.Weight(0, 0); w != 1 {
		t.Errorf("empty index weight %v, want 1", w)
	}
	// Rarity changes the score: covering the rare skill is worth more.
	job := &JobFeatures{Required: []string{"python", "verilog"}}
	w := func(tok string) float64 {
		if tok == "python" {
			return common
		}
		return rare
	}
	a := s.Score(job, &CandidateFeatures{Skills: []string{"verilog"}}, w).Score
	b := s.Score(job, &CandidateFeatures{Skills: []string{"python"}}, w).Score
	if a <= b {
		t.Errorf("holding the rare skill scores %v, the common one %v; rare should win", a, b)
	}
}

func TestEligible(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	base := func() (*JobFeatures, *CandidateFeatures) {
		return &JobFeatures{Location: "beijing", MinDegree: 2, Campaigns: []string{"a", "b"}},
			&CandidateFeatures{Locations: []string{"beijing"}, Degree: 2, Campaigns: []string{"b"}}
	}
	tests := []struct {
		name string
		mod  func(*JobFeatures, *CandidateFeatures)
		want bool
	}{
		{"eligible", func(*JobFeatures, *CandidateFeatures) {}, true},
		{"degree too low", func(_ *JobFeatures, c *CandidateFeatures) { c.Degree = 1 }, false},
		{"elsewhere", func(_ *JobFeatures, c *CandidateFeatures) { c.Locations = []string{"shanghai"} }, false},
		{"anywhere", func(_ *JobFeatures, c *CandidateFeatures) { c.Locations = nil }, true},
		{"job anywhere", func(j *JobFeatures, _ *CandidateFeatures) { j.Location = "" }, true},
		{"expired", func(j *JobFeatures, _ *CandidateFeatures) { j.ExpiresAt = now.Add(-time.Hour).Unix() }, false},
		{"not yet expired", func(j *JobFeatures, _ *CandidateFeatures) { j.ExpiresAt = now.Add(time.Hour).Unix() }, true},
	}
	for _, tc := range tests {
		j, c := base()
		tc.mod(j, c)
		if got := Eligible(j, c, now); got != tc.want {
			t.Errorf("%s: Eligible = %v, want %v", tc.name, got, tc.want)
		}
	}
	j, c := base()
	if got := SharedCampaigns(j, c); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("shared %v", got)
	}
}

func TestCampaignLifecycleStates(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	open := CampaignState{ID: "b", Known: true, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)}
	for _, tc := range []struct {
		name          string
		c             CampaignState
		status        string
		live, isEnded bool
	}{
		{"unknown (never opened)", CampaignState{ID: "a"}, "unknown", false, false},
		{"open", open, "open", true, false},
		{"scheduled", CampaignState{ID: "a", Known: true, StartsAt: now.Add(time.Minute), EndsAt: now.Add(time.Hour)}, "scheduled", false, false},
		{"starts now", CampaignState{ID: "a", Known: true, StartsAt: now, EndsAt: now.Add(time.Hour)}, "open", true, false},
		{"window passed", CampaignState{ID: "a", Known: true, StartsAt: now.Add(-2 * time.Hour), EndsAt: now}, "ended", false, true},
		{"closed", CampaignState{ID: "a", Known: true, Closed: true, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)}, "closed", false, true},
		{"open pool", CampaignState{ID: OpenPool}, "open", true, false},
	} {
		if got := tc.c.Status(now); got != tc.status {
			t.Errorf("%s: status %q, want %q", tc.name, got, tc.status)
		}
		if got := tc.c.Live(now); got != tc.live {
			t.Errorf("%s: live %v, want %v", tc.name, got, tc.live)
		}
		if got := tc.c.Ended(now); got != tc.isEnded {
			t.Errorf("%s: ended %v, want %v", tc.name, got, tc.isEnded)
		}
		camps := map[string]CampaignState{"a": tc.c, "b": open}
		want := "b"
		if tc.live && tc.c.ID == "a" {
			want = "a"
		}
		if got := attribute([]string{"a", "b"}, camps, now); got != want && tc.c.ID == "a" {
			t.Errorf("%s: attributed to %q, want %q", tc.name, got, want)
		}
	}
	if got := attribute([]string{"a"}, map[string]CampaignState{"a": {ID: "a"}}, now); got != "" {
		t.Errorf("a pair sharing only an unknown campaign is attributed to %q", got)
	}
}

func TestMatchIDStable(t *testing.T) {
	p := Pair{Job: JobRef{CompanyID: "co", JobID: "j"}, CandidateID: "c"}
	if MatchID(p) != MatchID(p) || MatchID(p) == MatchID(Pair{Job: p.Job, CandidateID: "d"}) {
		t.Fatal("match ids must be stable per pair and differ between pairs")
	}
	if got := EventID("m", 7, MatchCreated); got != "m.7.created" {
		t.Errorf("EventID = %q", got)
	}
}
