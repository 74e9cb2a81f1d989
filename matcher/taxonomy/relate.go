package taxonomy

import "fmt"

// Partial credit a candidate's skill earns towards a job's skill, by how the
// two are related. docs/scoring.md explains the choice. Every credit is
// below CreditExact, and every relation outside the hierarchy earns at most
// CreditBroader, so that a related skill never counts as much as the skill
// itself, nor as much as a narrower one.
const (
	CreditExact     = 1.0  // the same skill
	CreditNarrower  = 0.5  // the candidate's skill is a direct child ("PyTorch" for "deep learning"), or a member of the job's skill group or O*NET class
	CreditNarrower2 = 0.25 // a grandchild
	CreditBroader   = 0.25 // the candidate's skill is a direct parent ("machine learning" for "deep learning")

	CreditEssential      = 0.25 // ESCO holds one of the two skills essential for the other
	CreditOptional       = 0.1  // ESCO holds one of the two optional for the other
	CreditSiblingCurated = 0.2  // both are curated skills under the same curated broader skill ("Java" for "Python")
	CreditSiblingClass   = 0.15 // both are technologies of the same O*NET technology class
	CreditSiblingGroup   = 0.1  // both are skills of the same ESCO skill group
)

// MaxSiblings bounds sibling credit: a skill group or O*NET class with more
// members than this is too wide for its members to stand in for one
// another ("Analytical or scientific software" holds 1,683 technologies,
// "Object or component oriented development software" 66), and gives no
// sibling credit. 40 keeps nearly three quarters of the O*NET classes and
// ESCO groups, and keeps related lists short (for the first 5,000 skills,
// 3 skills on average without siblings, 11 at 40, 36 at 100), which
// retrieval pays for in posting lists.
const MaxSiblings = 40

// MaxCuratedSiblings bounds sibling credit under a curated broader skill,
// counting its curated members: the team's fields are narrower than their
// size suggests (the widest, software development, has 42).
const MaxCuratedSiblings = 60

// Relation is how a candidate's skill relates to a job's skill.
type Relation uint8

// Relations, in order of preference when a pair is related in several ways
// with the same credit.
const (
	RelNarrower       Relation = iota + 1 // a child of the job's skill
	RelNarrower2                          // a grandchild
	RelBroader                            // a parent
	RelEssentialFor                       // ESCO: essential for the job's skill
	RelRequires                           // ESCO: the job's skill is essential for it
	RelSiblingCurated                     // same curated broader skill
	RelSiblingClass                       // same O*NET technology class
	RelOptionalFor                        // ESCO: optional for the job's skill
	RelUses                               // ESCO: the job's skill is optional for it
	RelSiblingGroup                       // same ESCO skill group
)

var relationNames = map[Relation]string{
	RelNarrower: "narrower", RelNarrower2: "narrower2", RelBroader: "broader",
	RelEssentialFor: "essential-for", RelRequires: "requires", RelOptionalFor: "optional-for", RelUses: "uses",
	RelSiblingCurated: "sibling-curated", RelSiblingClass: "sibling-class", RelSiblingGroup: "sibling-group",
}

// String returns the relation's name, e.g. "sibling-class".
func (r Relation) String() string {
	if n, ok := relationNames[r]; ok {
		return n
	}
	return fmt.Sprintf("relation(%d)", uint8(r))
}

// Credit returns the relation's credit.
func (r Relation) Credit() float64 {
	switch r {
	case RelNarrower:
		return CreditNarrower
	case RelNarrower2:
		return CreditNarrower2
	case RelBroader:
		return CreditBroader
	case RelEssentialFor, RelRequires:
		return CreditEssential
	case RelOptionalFor, RelUses:
		return CreditOptional
	case RelSiblingCurated:
		return CreditSiblingCurated
	case RelSiblingClass:
		return CreditSiblingClass
	case RelSiblingGroup:
		return CreditSiblingGroup
	}
	return 0
}

// escoLink is one ESCO skill-to-skill relation seen from one of its skills:
// kind is how skill to relates to it.
type escoLink struct {
	to   int32
	kind Relation
}

// Related is a skill that gives partial credit for another, with the
// credit, the relation and, for siblings, the group, class or broader skill
// the two share (-1 otherwise).
type Related struct {
	Index   int32
	Credit  float64
	Kind    Relation
	Through int32
}

// relSet collects the best relation per skill.
type relSet struct {
	self int32
	best map[int32]Related
}

func newRelSet(self int32) *relSet { return &relSet{self: self, best: map[int32]Related{}} }

func (s *relSet) put(j int32, kind Relation, through int32) {
	if j == s.self {
		return
	}
	r := Related{Index: j, Credit: kind.Credit(), Kind: kind, Through: through}
	if prev, ok := s.best[j]; !ok || better(r, prev) {
		s.best[j] = r
	}
}

// better orders two relations of the same pair: higher credit, then the
// preferred relation, then the lower shared concept.
func better(a, b Related) bool {
	if a.Credit != b.Credit {
		return a.Credit > b.Credit
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Through < b.Through
}

func (s *relSet) list() []Related {
	out := make([]Related, 0, len(s.best))
	for _, r := range s.best {
		out = append(out, r)
	}
	sortRelated(out)
	return out
}

// siblingKind returns the sibling relation of skills a and b under their
// shared parent p, or 0 when p gives none.
func (t *Taxonomy) siblingKind(p, a, b int32) Relation {
	ps := &t.skills[p]
	switch {
	case ps.Kind == KindGroup && len(ps.Children) <= MaxSiblings:
		return RelSiblingGroup
	case ps.Kind == KindClass && len(ps.Children) <= MaxSiblings:
		return RelSiblingClass
	case ps.Kind == KindCurated && t.skills[a].Kind == KindCurated && t.skills[b].Kind == KindCurated &&
		t.curatedKids[p] <= MaxCuratedSiblings:
		return RelSiblingCurated
	}
	return 0
}

// lateral adds the relations that are the same seen from either skill:
// siblings and ESCO's skill-to-skill relations. The ESCO relation kinds are
// how the other skill relates to i; asCovered flips them to how i relates
// to the other.
func (t *Taxonomy) lateral(s *relSet, i int32, asCovered bool) {
	for _, p := range t.skills[i].Parents {
		for _, c := range t.skills[p].Children {
			if c == i {
				continue
			}
			if k := t.siblingKind(p, i, c); k != 0 {
				s.put(c, k, p)
			}
		}
	}
	for _, l := range t.esco[i] {
		k := l.kind
		if asCovered {
			k = flip(k)
		}
		s.put(l.to, k, -1)
	}
}

func flip(k Relation) Relation {
	switch k {
	case RelEssentialFor:
		return RelRequires
	case RelRequires:
		return RelEssentialFor
	case RelOptionalFor:
		return RelUses
	case RelUses:
		return RelOptionalFor
	}
	return k
}

// RelatedSkills returns the skills that cover skill i in part: its children
// (CreditNarrower), grandchildren (CreditNarrower2) and parents
// (CreditBroader) in the hierarchy — ESCO's broader relations, the skill
// groups and O*NET classes, the curated broader skills — its siblings (the
// other members of a skill group or O*NET class of at most MaxSiblings
// members, the other curated skills under a curated broader skill of at most
// MaxCuratedSiblings) and the skills ESCO relates to it as essential
// or optional. Each skill comes once, with its best relation; i itself is
// not included. The Kind of each is how that skill relates to i.
func (t *Taxonomy) RelatedSkills(i int32) []Related {
	set := newRelSet(i)
	s := &t.skills[i]
	for _, c := range s.Children {
		set.put(c, RelNarrower, -1)
		for _, g := range t.skills[c].Children {
			set.put(g, RelNarrower2, -1)
		}
	}
	for _, p := range s.Parents {
		set.put(p, RelBroader, -1)
	}
	t.lateral(set, i, false)
	return set.list()
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

// Via explains in words how the candidate's skill r (an element of
// RelatedSkills(job)) relates to the job's skill: its label, and for a
// relation outside the hierarchy the relation in parentheses — "Java (same
// curated field: software development)", "SQL (ESCO: essential for
// database design)". A hierarchy relation shows the label alone ("PyTorch"
// for deep learning).
func (t *Taxonomy) Via(job int32, r Related) string {
	label := t.skills[r.Index].Label
	through := ""
	if r.Through >= 0 && int(r.Through) < len(t.skills) {
		through = t.skills[r.Through].Label
	}
	other := t.skills[job].Label
	switch r.Kind {
	case RelEssentialFor:
		return label + " (ESCO: essential for " + other + ")"
	case RelRequires:
		return label + " (ESCO: requires " + other + ")"
	case RelOptionalFor:
		return label + " (ESCO: optional for " + other + ")"
	case RelUses:
		return label + " (ESCO: may use " + other + ")"
	case RelSiblingCurated:
		return label + " (same field: " + through + ")"
	case RelSiblingClass:
		return label + " (same O*NET technology class: " + through + ")"
	case RelSiblingGroup:
		return label + " (same ESCO skill group: " + through + ")"
	}
	return label
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
// CoveredSkills(i) with credit c and relation k exactly when i is in
// RelatedSkills(j) with credit c and relation k): the skills that skill i
// covers in part, with the credit i earns towards each — its parents
// (CreditNarrower), grandparents (CreditNarrower2), children
// (CreditBroader), siblings and ESCO relations. Kind is how i relates to
// that skill. A retriever looking for jobs a candidate fits expands the
// candidate's skills with it.
func (t *Taxonomy) CoveredSkills(i int32) []Related {
	set := newRelSet(i)
	s := &t.skills[i]
	for _, p := range s.Parents {
		set.put(p, RelNarrower, -1)
		for _, g := range t.skills[p].Parents {
			set.put(g, RelNarrower2, -1)
		}
	}
	for _, c := range s.Children {
		set.put(c, RelBroader, -1)
	}
	t.lateral(set, i, true)
	return set.list()
}
