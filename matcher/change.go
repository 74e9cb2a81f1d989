package matcher

// ChangeOp is the kind of a committed change of an entity.
type ChangeOp byte

// Change operations.
const (
	ChangePut    ChangeOp = 'p' // the entity was created or replaced (features given)
	ChangeRemove ChangeOp = 'r' // the job closed or the candidate withdrew
)

// Change is one committed change of a job or a candidate, in commit order,
// as the store's change log records it. Replicas' in-memory indexes
// (matcher/mirror) are kept in step by applying them.
type Change struct {
	Op  ChangeOp
	Rev int64
	// Exactly one of Job and Candidate is set for ChangePut; for
	// ChangeRemove only the id field (JobRef or CandidateID) matters.
	Job         *JobFeatures
	Candidate   *CandidateFeatures
	JobRef      string
	CandidateID string
}
