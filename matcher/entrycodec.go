package matcher

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// A ledger entry is stored as one string, "S|gen|campaign|score|payload":
// its state letter, generation, campaign, score (with the decision's basis,
// "score@jobRev.candidateRev", when known) and the JSON of its pending
// event. matcher/state writes it from Lua; both stores read it here.

// ParseEntry decodes a stored ledger entry.
func ParseEntry(s string) (Entry, error) {
	parts := strings.SplitN(s, "|", 5)
	if len(parts) != 5 || len(parts[0]) != 1 {
		return Entry{}, fmt.Errorf("malformed ledger entry %.40q", s)
	}
	gen, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Entry{}, fmt.Errorf("malformed ledger generation %q", parts[1])
	}
	sc, basis, _ := strings.Cut(parts[3], "@")
	score, _ := strconv.ParseFloat(sc, 64)
	en := Entry{State: EntryState(parts[0][0]), Gen: gen, Campaign: parts[2], Score: score}
	if jr, cr, ok := strings.Cut(basis, "."); ok {
		en.Basis.JobRev, _ = strconv.ParseInt(jr, 10, 64)
		en.Basis.CandidateRev, _ = strconv.ParseInt(cr, 10, 64)
	}
	if parts[4] != "" {
		var ob Outbound
		if err := json.Unmarshal([]byte(parts[4]), &ob); err != nil {
			return Entry{}, fmt.Errorf("malformed pending event: %w", err)
		}
		en.Pending = &ob
	}
	return en, nil
}

// ScoreField is the stored score field of a claim: its score to four
// decimals, with the basis of a create.
func ScoreField(c Claim) string {
	s := strconv.FormatFloat(c.Score, 'f', 4, 64)
	if c.Basis.JobRev != 0 {
		s += "@" + strconv.FormatInt(c.Basis.JobRev, 10) + "." + strconv.FormatInt(c.Basis.CandidateRev, 10)
	}
	return s
}

// ParseLedger decodes a candidate's stored ledger (field "company/job" to
// entry), passing over its "!"-fields (feedback and first-match marks).
func ParseLedger(candidateID string, fields map[string]string) (map[JobRef]Entry, error) {
	out := make(map[JobRef]Entry, len(fields))
	for k, v := range fields {
		if strings.HasPrefix(k, "!") {
			continue // feedback and first-match marks, not entries
		}
		ref, ok := ParseJobRef(k)
		if !ok {
			continue
		}
		en, err := ParseEntry(v)
		if err != nil {
			return nil, fmt.Errorf("ledger of candidate %s: %w", candidateID, err)
		}
		out[ref] = en
	}
	return out, nil
}

// DecodeJob and DecodeCandidate decode the stored features of a job or a
// candidate (their JSON), as both stores keep them.
func DecodeJob(s string) (*JobFeatures, error) {
	var f JobFeatures
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("decode stored job: %w", err)
	}
	return &f, nil
}

// DecodeCandidate: see DecodeJob.
func DecodeCandidate(s string) (*CandidateFeatures, error) {
	var f CandidateFeatures
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("decode stored candidate: %w", err)
	}
	return &f, nil
}
