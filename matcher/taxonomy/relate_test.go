package taxonomy

import (
	"strings"
	"testing"
)

func relatedTo(rs []Related, j int32) (Related, bool) {
	for _, r := range rs {
		if r.Index == j {
			return r, true
		}
	}
	return Related{}, false
}

// TestTypedRelations checks one pair of each relation type outside the
// hierarchy: its credit, its kind and its explanation.
func TestTypedRelations(t *testing.T) {
	tax := Default()
	id := func(s string) int32 {
		i, ok := tax.SkillByID(s)
		if !ok {
			t.Fatalf("no skill %s", s)
		}
		return i
	}
	tests := []struct {
		job, cand string
		kind      Relation
		credit    float64
		via       string
	}{
		{"python", "java", RelSiblingCurated, CreditSiblingCurated, "Java (same field: software development)"},
		{"kubernetes", "docker", RelSiblingClass, CreditSiblingClass, "Docker (same O*NET technology class: Application server software)"},
		{"cybersecurity", "data-protection", RelEssentialFor, CreditEssential, "data protection (ESCO: essential for cybersecurity)"},
		{"data-protection", "cybersecurity", RelRequires, CreditEssential, "cybersecurity (ESCO: requires data protection)"},
		{"python", "use-scripting-programming", RelUses, CreditOptional, "use scripting programming (ESCO: may use Python)"},
	}
	for _, tc := range tests {
		j, c := id(tc.job), id(tc.cand)
		r, ok := relatedTo(tax.RelatedSkills(j), c)
		if !ok || r.Kind != tc.kind || r.Credit != tc.credit {
			t.Errorf("%s for %s: %+v (found %v), want %v with %v", tc.cand, tc.job, r, ok, tc.kind, tc.credit)
			continue
		}
		if got := tax.Via(j, r); got != tc.via {
			t.Errorf("Via(%s, %s) = %q, want %q", tc.job, tc.cand, got, tc.via)
		}
		back, ok := relatedTo(tax.CoveredSkills(c), j)
		if !ok || back.Credit != r.Credit || back.Kind != r.Kind || back.Through != r.Through {
			t.Errorf("CoveredSkills(%s) has %s as %+v, want %+v", tc.cand, tc.job, back, r)
		}
	}
	// a group sibling: two members of one small ESCO skill group
	found := false
	for i := int32(0); i < int32(tax.NumSkills()) && !found; i++ {
		for _, r := range tax.RelatedSkills(i) {
			if r.Kind == RelSiblingGroup {
				found = r.Credit == CreditSiblingGroup && tax.SkillAt(r.Through).Kind == KindGroup &&
					strings.Contains(tax.Via(i, r), "(same ESCO skill group: "+tax.SkillAt(r.Through).Label+")")
				break
			}
		}
	}
	if !found {
		t.Error("no ESCO skill group sibling with its credit and explanation")
	}
}

// TestRelationBounds: every relation earns less than the skill itself, the
// relations outside the hierarchy no more than a broader skill, siblings
// come only from groups and classes of at most MaxSiblings members, and CoveredSkills
// is the exact inverse of RelatedSkills, relation kind included.
func TestRelationBounds(t *testing.T) {
	tax := Default()
	for i := int32(0); i < int32(tax.NumSkills()); i += 61 { // a sample: every skill takes minutes under -race
		for _, r := range tax.RelatedSkills(i) {
			if r.Credit <= 0 || r.Credit >= CreditExact || r.Credit != r.Kind.Credit() {
				t.Fatalf("%s for %s: credit %v (%v)", tax.SkillAt(r.Index).ID, tax.SkillAt(i).ID, r.Credit, r.Kind)
			}
			if r.Kind > RelBroader && r.Credit > CreditBroader {
				t.Fatalf("%s for %s: %v earns %v, more than a broader skill", tax.SkillAt(r.Index).ID, tax.SkillAt(i).ID, r.Kind, r.Credit)
			}
			if r.Through >= 0 && r.Kind != RelSiblingCurated && len(tax.SkillAt(r.Through).Children) > MaxSiblings {
				t.Fatalf("sibling through %s, which has %d members", tax.SkillAt(r.Through).ID, len(tax.SkillAt(r.Through).Children))
			}
			back, ok := relatedTo(tax.CoveredSkills(r.Index), i)
			if !ok || back.Credit != r.Credit || back.Kind != r.Kind || back.Through != r.Through {
				t.Fatalf("RelatedSkills(%s) has %s as %+v; CoveredSkills has %+v", tax.SkillAt(i).ID, tax.SkillAt(r.Index).ID, r, back)
			}
		}
	}
}

func TestRelationNames(t *testing.T) {
	for k := RelNarrower; k <= RelSiblingGroup; k++ {
		if strings.HasPrefix(k.String(), "relation(") || k.Credit() == 0 {
			t.Errorf("relation %d has no name or credit", k)
		}
	}
}
