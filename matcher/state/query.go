package state

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/matcher"
)

// Reads that serve queries (the query API and the organizers' dashboard).
// They read state as it is; none of them changes anything.

// CompanyJobs returns the refs of every job a company has posted, open or
// closed, sorted.
func (r *Redis) CompanyJobs(ctx context.Context, company string) ([]matcher.JobRef, error) {
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) { p.SMembers(ctx, r.k.companyJobs(company)) })
	if err != nil {
		return nil, unavailable("read company jobs", err)
	}
	var out []matcher.JobRef
	for _, s := range cmds[0].(*redis.StringSliceCmd).Val() {
		if ref, ok := matcher.ParseJobRef(s); ok {
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].String() < out[b].String() })
	return out, nil
}

// Mark is feedback recorded on a pair: its kind, the campaign of the
// pair's match when it was given, and who gave it.
type Mark struct {
	Job      matcher.JobRef
	Kind     matcher.FeedbackKind
	Campaign string
	From     string
}

// CandidateState is what a campaign scan reads of one candidate.
type CandidateState struct {
	Features *matcher.CandidateFeatures
	// Since is the time of the event that registered them.
	Since   time.Time
	Entries map[matcher.JobRef]matcher.Entry
	Marks   []Mark
	// FirstMatch is when they received their first match, by campaign.
	FirstMatch map[string]time.Time
}

// CampaignData is a campaign's members as a scan reads them.
type CampaignData struct {
	Info       matcher.CampaignInfo
	Candidates []CandidateState
	Jobs       []*matcher.JobFeatures
	// Held are the pairs held back by the caps; a pair created meanwhile
	// by another path stays listed until the next sweep.
	Held []matcher.Pair
}

// ScanCampaign reads a campaign's active candidates (features, ledger,
// feedback) and open jobs. Its cost grows with the campaign: about one
// pipelined read per member.
func (r *Redis) ScanCampaign(ctx context.Context, id string) (*CampaignData, error) {
	d := &CampaignData{}
	var err error
	if id == matcher.OpenPool {
		d.Info = matcher.CampaignInfo{CampaignState: matcher.CampaignState{ID: id, Known: true, EndsAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, Name: "open pool"}
	} else if d.Info, err = r.Campaign(ctx, id); err != nil {
		return nil, err
	}
	cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
		for sh := 0; sh < r.cfg.Shards; sh++ {
			p.SMembers(ctx, r.k.campaignMembers(sh, "c", id))
			p.SMembers(ctx, r.k.campaignMembers(sh, "j", id))
		}
		p.ZRange(ctx, r.k.held(id), 0, -1)
	})
	if err != nil {
		return nil, unavailable("read campaign members", err)
	}
	var candIDs []string
	var refs []matcher.JobRef
	for i := 0; i < 2*r.cfg.Shards; i += 2 {
		candIDs = append(candIDs, cmds[i].(*redis.StringSliceCmd).Val()...)
		for _, s := range cmds[i+1].(*redis.StringSliceCmd).Val() {
			if ref, ok := matcher.ParseJobRef(s); ok {
				refs = append(refs, ref)
			}
		}
	}
	for _, m := range cmds[len(cmds)-1].(*redis.StringSliceCmd).Val() {
		job, cand, _ := strings.Cut(m, "|")
		if ref, ok := matcher.ParseJobRef(job); ok {
			d.Held = append(d.Held, matcher.Pair{Job: ref, CandidateID: cand})
		}
	}
	sort.Strings(candIDs)
	sort.Slice(refs, func(a, b int) bool { return refs[a].String() < refs[b].String() })
	if d.Jobs, err = r.Jobs(ctx, refs); err != nil {
		return nil, err
	}
	const chunk = 2000
	for lo := 0; lo < len(candIDs); lo += chunk {
		ids := candIDs[lo:min(lo+chunk, len(candIDs))]
		cmds, err := r.pipeline(ctx, func(p redis.Pipeliner) {
			for _, c := range ids {
				p.HMGet(ctx, r.k.candidate(c), "st", "f", "s")
				p.HGetAll(ctx, r.k.ledger(c))
			}
		})
		if err != nil {
			return nil, unavailable("read campaign candidates", err)
		}
		for i := range ids {
			v := cmds[2*i].(*redis.SliceCmd).Val()
			f, _ := v[1].(string)
			if st, _ := v[0].(string); st != "o" || f == "" {
				continue // withdrawn meanwhile
			}
			cf, err := matcher.DecodeCandidate(f)
			if err != nil {
				return nil, err
			}
			cs := CandidateState{Features: cf, Entries: map[matcher.JobRef]matcher.Entry{}, FirstMatch: map[string]time.Time{}}
			if s, _ := v[2].(string); s != "" {
				if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
					cs.Since = time.Unix(0, ns).UTC()
				}
			}
			for k, val := range cmds[2*i+1].(*redis.MapStringStringCmd).Val() {
				if err := cs.addLedgerField(k, val); err != nil {
					return nil, fmt.Errorf("ledger of candidate %s: %w", cf.CandidateID, err)
				}
			}
			d.Candidates = append(d.Candidates, cs)
		}
	}
	return d, nil
}

// addLedgerField reads one field of a candidate's ledger hash: an entry,
// a first-match time ("!f:<campaign>") or feedback ("!d:", "!h:", "!i:"
// and the job).
func (cs *CandidateState) addLedgerField(k, v string) error {
	if !strings.HasPrefix(k, "!") {
		ref, ok := matcher.ParseJobRef(k)
		if !ok {
			return nil
		}
		en, err := matcher.ParseEntry(v)
		if err != nil {
			return err
		}
		cs.Entries[ref] = en
		return nil
	}
	if len(k) < 3 {
		return nil
	}
	rest := k[3:]
	switch k[:3] {
	case "!f:":
		if us, err := strconv.ParseInt(v, 10, 64); err == nil {
			cs.FirstMatch[rest] = time.UnixMicro(us).UTC()
		}
		return nil
	case "!d:", "!h:", "!i:":
		ref, ok := matcher.ParseJobRef(rest)
		if !ok {
			return nil
		}
		kind := map[string]matcher.FeedbackKind{"!d:": matcher.FeedbackDeclined, "!h:": matcher.FeedbackHired, "!i:": matcher.FeedbackInterested}[k[:3]]
		parts := strings.SplitN(v, "|", 3)
		m := Mark{Job: ref, Kind: kind}
		if len(parts) == 3 {
			m.Campaign, m.From = parts[0], parts[1]
		}
		cs.Marks = append(cs.Marks, m)
	}
	return nil
}
