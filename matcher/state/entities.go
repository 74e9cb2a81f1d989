package state

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/redis/go-redis/v9"
	"github.com/talentmatch/talentmatch/matcher"
)

func (r *Redis) jobIndexKeys(f *matcher.JobFeatures) []string {
	sh := r.k.jobShard(f.Ref().String())
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, r.k.campaignMembers(sh, "j", camp))
		for _, t := range f.Skills() {
			out = append(out, r.k.skillIndex(sh, "j", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, r.k.industryIndex(sh, "j", camp, t))
		}
	}
	return out
}

func (r *Redis) candidateIndexKeys(f *matcher.CandidateFeatures) []string {
	sh := r.k.candidateShard(f.CandidateID)
	var out []string
	for _, camp := range f.Campaigns {
		out = append(out, r.k.campaignMembers(sh, "c", camp))
		for _, t := range f.Skills {
			out = append(out, r.k.skillIndex(sh, "c", camp, t))
		}
		for _, t := range f.Industries {
			out = append(out, r.k.industryIndex(sh, "c", camp, t))
		}
	}
	return out
}

// PutJob implements matcher.Entities. It sets f.Rev.
func (r *Redis) PutJob(ctx context.Context, f *matcher.JobFeatures, v matcher.Version) (matcher.Outcome, error) {
	ref := f.Ref().String()
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	out, rev, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.job(ref), tombstone: r.k.job(ref), shard: r.k.jobShard(ref), kind: "j", member: ref,
			mode: "put", features: body, newKeys: r.jobIndexKeys(f), newToks: f.Skills()}
		if old.active {
			of, err := matcher.DecodeJob(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	f.Rev = rev
	if err == nil && out != matcher.Stale {
		// The company's list of jobs serves queries only; it needs no
		// atomicity with the record.
		if _, err = r.write(ctx, func(p redis.Pipeliner) { p.SAdd(ctx, r.k.companyJobs(f.CompanyID), ref) }); err != nil {
			err = unavailable("list company job", err)
		}
	}
	return out, err
}

// CloseJob implements matcher.Entities.
func (r *Redis) CloseJob(ctx context.Context, ref matcher.JobRef, v matcher.Version) (matcher.Outcome, error) {
	s := ref.String()
	out, _, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.job(s), tombstone: r.k.job(s), shard: r.k.jobShard(s), kind: "j", member: s, mode: "close"}
		if old.active {
			of, err := matcher.DecodeJob(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.jobIndexKeys(of), of.Skills()
		}
		return c, nil
	})
	return out, err
}

// PutCandidate implements matcher.Entities. It sets f.Rev.
func (r *Redis) PutCandidate(ctx context.Context, f *matcher.CandidateFeatures, v matcher.Version) (matcher.Outcome, error) {
	id := f.CandidateID
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	out, rev, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id,
			mode: "put", features: body, newKeys: r.candidateIndexKeys(f), newToks: f.Skills}
		if old.active {
			of, err := matcher.DecodeCandidate(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	f.Rev = rev
	return out, err
}

// EraseCandidate implements matcher.Entities.
func (r *Redis) EraseCandidate(ctx context.Context, id string, v matcher.Version) (matcher.Outcome, error) {
	out, _, err := r.apply(ctx, v, func(old record) (change, error) {
		c := change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id, mode: "erase"}
		if old.active {
			of, err := matcher.DecodeCandidate(old.f)
			if err != nil {
				return c, err
			}
			c.oldKeys, c.oldToks = r.candidateIndexKeys(of), of.Skills
		}
		return c, nil
	})
	return out, err
}

// BulkLoad stores many new jobs and candidates at once, pipelining their
// writes (one round trip per batch instead of one per entity). An entity
// that already exists is stored with PutJob or PutCandidate instead. It is
// meant for preloading (benchmarks, migrations); events go through the
// engine.
func (r *Redis) BulkLoad(ctx context.Context, jobs []*matcher.JobFeatures, cands []*matcher.CandidateFeatures, v matcher.Version) error {
	type item struct {
		job  *matcher.JobFeatures
		cand *matcher.CandidateFeatures
	}
	items := make([]item, 0, len(jobs)+len(cands))
	for _, j := range jobs {
		items = append(items, item{job: j})
	}
	for _, c := range cands {
		items = append(items, item{cand: c})
	}
	cmds, err := r.write(ctx, func(p redis.Pipeliner) {
		for _, it := range items {
			var c change
			if it.job != nil {
				ref := it.job.Ref().String()
				body, _ := json.Marshal(it.job)
				c = change{record: r.k.job(ref), tombstone: r.k.job(ref), shard: r.k.jobShard(ref), kind: "j", member: ref,
					mode: "put", features: body, newKeys: r.jobIndexKeys(it.job), newToks: it.job.Skills()}
			} else {
				id := it.cand.CandidateID
				body, _ := json.Marshal(it.cand)
				c = change{record: r.k.candidate(id), tombstone: r.k.tombstone(id), shard: r.k.candidateShard(id), kind: "c", member: id,
					mode: "put", features: body, newKeys: r.candidateIndexKeys(it.cand), newToks: it.cand.Skills}
			}
			keys, args := r.applyArgs(c, record{}, v)
			applyScript.EvalSha(ctx, p, keys, args...)
		}
	})
	if err != nil {
		return unavailable("bulk load", err)
	}
	for i, c := range cmds {
		res, err := c.(*redis.Cmd).StringSlice()
		if err != nil {
			return unavailable("bulk load", err)
		}
		out, rev, retry := applyResult(res)
		switch {
		case retry && items[i].job != nil:
			_, err = r.PutJob(ctx, items[i].job, v)
		case retry:
			_, err = r.PutCandidate(ctx, items[i].cand, v)
		case out == matcher.Applied && items[i].job != nil:
			items[i].job.Rev = rev
		case out == matcher.Applied:
			items[i].cand.Rev = rev
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Jobs implements matcher.Entities and matcher.Index.
func (r *Redis) Jobs(ctx context.Context, refs []matcher.JobRef) ([]*matcher.JobFeatures, error) {
	keys := make([]string, len(refs))
	for i, ref := range refs {
		keys[i] = ref.String()
	}
	return readActive(ctx, r, "read jobs", keys, r.k.job, matcher.DecodeJob, func(f *matcher.JobFeatures, rev int64) { f.Rev = rev })
}

// Candidates implements matcher.Entities and matcher.Index.
func (r *Redis) Candidates(ctx context.Context, ids []string) ([]*matcher.CandidateFeatures, error) {
	return readActive(ctx, r, "read candidates", ids, r.k.candidate, matcher.DecodeCandidate, func(f *matcher.CandidateFeatures, rev int64) { f.Rev = rev })
}

// readActive reads the records of one side's entities in one pipeline and
// decodes the active ones with their revisions; gone, closed and corrupt
// records yield nil at their position.
func readActive[F any](ctx context.Context, r *Redis, what string, ids []string, key func(string) string,
	decode func(string) (*F, error), setRev func(*F, int64)) ([]*F, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, id := range ids {
			p.HMGet(ctx, key(id), "r", "st", "f")
		}
	})
	if err != nil {
		return nil, unavailable(what, err)
	}
	out := make([]*F, len(ids))
	for i, c := range cmds {
		v := c.(*redis.SliceCmd).Val()
		st, _ := v[1].(string)
		body, _ := v[2].(string)
		if st != "o" || body == "" {
			continue
		}
		f, err := decode(body)
		if err != nil {
			r.corrupt(ids[i], err)
			continue
		}
		rev, _ := v[0].(string)
		n, _ := strconv.ParseInt(rev, 10, 64)
		setRev(f, n)
		out[i] = f
	}
	return out, nil
}

// JobRevs implements matcher.Entities.
func (r *Redis) JobRevs(ctx context.Context, refs []matcher.JobRef) ([]int64, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for _, ref := range refs {
			p.HGet(ctx, r.k.job(ref.String()), "r")
		}
	})
	if err != nil {
		return nil, unavailable("read job revisions", err)
	}
	out := make([]int64, len(refs))
	for i, c := range cmds {
		out[i], _ = strconv.ParseInt(c.(*redis.StringCmd).Val(), 10, 64)
	}
	return out, nil
}

// StoredVersion returns the id of the event last applied to a job (kind
// 'j', id "company/job") or candidate ('c'), and its status: "open" or
// "closed" for a job, "registered" or "withdrawn" for a candidate, "" when
// nothing is held. It serves audits and the fault suite.
func (r *Redis) StoredVersion(ctx context.Context, kind byte, id string) (eventID, status string, err error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		if kind == 'j' {
			p.HMGet(ctx, r.k.job(id), "e", "st")
		} else {
			p.HMGet(ctx, r.k.candidate(id), "e", "st")
			p.HMGet(ctx, r.k.tombstone(id), "e", "st")
		}
	})
	if err != nil {
		return "", "", unavailable("read version", err)
	}
	v := cmds[0].(*redis.SliceCmd).Val()
	e, _ := v[0].(string)
	st, _ := v[1].(string)
	switch {
	case kind == 'j' && st == "o":
		return e, "open", nil
	case kind == 'j' && st == "c":
		return e, "closed", nil
	case kind == 'c' && e != "":
		return e, "registered", nil
	case kind == 'c':
		t := cmds[1].(*redis.SliceCmd).Val()
		if te, _ := t[0].(string); te != "" {
			return te, "withdrawn", nil
		}
	}
	return "", "", nil
}
