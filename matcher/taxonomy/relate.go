package taxonomy

// Partial credit a candidate's skill earns towards a job's skill, by how the
// two are related in the skill hierarchy. docs/scoring.md explains the
// choice.
const (
	CreditExact     = 1.0  // the same skill
	CreditNarrower  = 0.5  // the candidate's skill is a direct child ("PyTorch" for "deep learning")
	CreditNarrower2 = 0.25 // a grandchild
	CreditBroader   = 0.25 // the candidate's skill is a direct parent ("machine learning" for "deep learning")
)

// Related is a skill that gives partial credit for another, with the credit.
type Related struct {
	Index  int32
	Credit float64
}

// RelatedSkills returns the skills that cover skill i in part: its children
// (CreditNarrower), grandchildren (CreditNarrower2) and parents
// (CreditBroader), each once with its best credit; i itself is not included.
func (t *Taxonomy) RelatedSkills(i int32) []Related {
	best := map[int32]float64{}
	put := func(j int32, c float64) {
		if j == i {
			return
		}
		if c > best[j] {
			best[j] = c
		}
	}
	s := &t.skills[i]
	for _, c := range s.Children {
		put(c, CreditNarrower)
		for _, g := range t.skills[c].Children {
			put(g, CreditNarrower2)
		}
	}
	for _, p := range s.Parents {
		put(p, CreditBroader)
	}
	out := make([]Related, 0, len(best))
	for j, c := range best {
		out = append(out, Related{Index: j, Credit: c})
	}
	sortRelated(out)
	return out
}

func sortRelated(r []Related) {
	// insertion sort: lists are short, and the order must be deterministic
	for a := 1; a < len(r); a++ {
		for b := a; b > 0 && less(r[b], r[b-1]); b-- {
			r[b], r[b-1] = r[b-1], r[b]
		}
	}
}

func less(x, y Related) bool {
	if x.Credit != y.Credit {
		return x.Credit > y.Credit
	}
	return x.Index < y.Index
}

// Industry closeness by the deepest NACE Rev. 2 node two industries share.
const (
	ClosenessSame     = 1.0  // the same industry concept
	ClosenessCode     = 0.8  // different concepts on the same NACE node, or the same class
	ClosenessGroup    = 0.7  // same NACE group
	ClosenessDivision = 0.5  // same NACE division
	ClosenessSection  = 0.25 // same NACE section
)

// Closeness returns how close industries a and b are, in [0, 1].
func (t *Taxonomy) Closeness(a, b int32) float64 {
	if a == b {
		return ClosenessSame
	}
	ca, cb := t.industries[a].Code, t.industries[b].Code
	if ca == "" || cb == "" {
		return 0
	}
	if ca == cb {
		return ClosenessCode
	}
	inA := map[string]bool{}
	for _, c := range t.naceAncestors(ca) {
		inA[c] = true
	}
	for _, c := range t.naceAncestors(cb) {
		if inA[c] {
			switch t.naceLevel(c) {
			case 4:
				return ClosenessCode
			case 3:
				return ClosenessGroup
			case 2:
				return ClosenessDivision
			case 1:
				return ClosenessSection
			}
			return 0
		}
	}
	return 0
}

// CoveredSkills is the exact inverse of RelatedSkills (j is in
// CoveredSkills(i) with credit c exactly when i is in RelatedSkills(j) with
// credit c): the skills that skill i
// covers in part, with the credit i earns towards each — its parents
// (CreditNarrower), grandparents (CreditNarrower2) and children
// (CreditBroader). A retriever looking for jobs a candidate fits expands the
// candidate's skills with it.
func (t *Taxonomy) CoveredSkills(i int32) []Related {
	best := map[int32]float64{}
	put := func(j int32, c float64) {
		if j != i && c > best[j] {
			best[j] = c
		}
	}
	s := &t.skills[i]
	for _, p := range s.Parents {
		put(p, CreditNarrower)
		for _, g := range t.skills[p].Parents {
			put(g, CreditNarrower2)
		}
	}
	for _, c := range s.Children {
		put(c, CreditBroader)
	}
	out := make([]Related, 0, len(best))
	for j, c := range best {
		out = append(out, Related{Index: j, Credit: c})
	}
	sortRelated(out)
	return out
}
