package state

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
)

func newState(t *testing.T) *Redis {
	t.Helper()
	st, err := New(testenv.Redis(t), Config{Prefix: "tmtest", Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

var t0 = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

func ver(sec int, id string) matcher.Version {
	return matcher.Version{Time: t0.Add(time.Duration(sec) * time.Second), EventID: id}
}

func job(id string, skills ...string) *matcher.JobFeatures {
	return &matcher.JobFeatures{CompanyID: "co", JobID: id, Required: skills, Campaigns: []string{"open"}, Industries: []string{"nace-62"}}
}

func TestVersionOrdering(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	tests := []struct {
		name string
		v    matcher.Version
		want matcher.Outcome
	}{
		{"first", ver(10, "b"), matcher.Applied},
		{"same event again", ver(10, "b"), matcher.Current},
		{"older", ver(5, "z"), matcher.Stale},
		{"same time, lower id", ver(10, "a"), matcher.Stale},
		{"same time, higher id", ver(10, "c"), matcher.Applied},
		{"newer", ver(11, "a"), matcher.Applied},
	}
	for _, tc := range tests {
		got, err := st.PutJob(ctx, job("j1", "go"), tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIndexFollowsUpdates(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	if _, err := st.PutJob(ctx, job("j1", "go", "kubernetes"), ver(1, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutJob(ctx, job("j2", "go"), ver(1, "b")); err != nil {
		t.Fatal(err)
	}
	got := func(toks ...string) []string {
		ids, err := st.JobsWithAny(ctx, "open", toks)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(ids)
		return ids
	}
	if ids := got("go"); !reflect.DeepEqual(ids, []string{"co/j1", "co/j2"}) {
		t.Errorf("go → %v", ids)
	}
	df, n, err := st.DocFreq(ctx, []string{"go", "kubernetes", "rust"})
	if err != nil || !reflect.DeepEqual(df, []int64{2, 1, 0}) || n != 2 {
		t.Errorf("df %v n %d err %v, want [2 1 0] 2", df, n, err)
	}
	// Update j1: kubernetes → rust.
	f := job("j1", "go", "rust")
	if _, err := st.PutJob(ctx, f, ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	if f.Rev != 2 {
		t.Errorf("revision %d after two writes, want 2", f.Rev)
	}
	if ids := got("kubernetes"); len(ids) != 0 {
		t.Errorf("kubernetes still indexes %v", ids)
	}
	if ids := got("rust"); !reflect.DeepEqual(ids, []string{"co/j1"}) {
		t.Errorf("rust → %v", ids)
	}
	// Close j1.
	if _, err := st.CloseJob(ctx, f.Ref(), ver(3, "a")); err != nil {
		t.Fatal(err)
	}
	if ids := got("go", "rust"); !reflect.DeepEqual(ids, []string{"co/j2"}) {
		t.Errorf("after close: %v", ids)
	}
	df, n, _ = st.DocFreq(ctx, []string{"go", "kubernetes", "rust"})
	if !reflect.DeepEqual(df, []int64{1, 0, 0}) || n != 1 {
		t.Errorf("after close df %v n %d, want [1 0 0] 1", df, n)
	}
	jobs, _ := st.Jobs(ctx, []matcher.JobRef{f.Ref(), {CompanyID: "co", JobID: "j2"}})
	if jobs[0] != nil || jobs[1] == nil || jobs[1].Rev != 1 {
		t.Errorf("Jobs after close: %v %+v", jobs[0], jobs[1])
	}
	// A late, older post does not reopen it.
	if out, _ := st.PutJob(ctx, job("j1", "go"), ver(2, "b")); out != matcher.Stale {
		t.Errorf("late post: %v, want stale", out)
	}
}

func TestEraseLeavesOnlyAPseudonymousTombstone(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	c := &matcher.CandidateFeatures{CandidateID: "cand-42", Skills: []string{"go", "python"}, Industries: []string{"nace-62"}, Campaigns: []string{"camp"}}
	if _, err := st.PutCandidate(ctx, c, ver(1, "a")); err != nil {
		t.Fatal(err)
	}
	p := matcher.Pair{Job: matcher.JobRef{CompanyID: "co", JobID: "j1"}, CandidateID: "cand-42"}
	if err := st.Link(ctx, []matcher.Pair{p}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseCandidate(ctx, "cand-42", ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	if err := st.ForgetCandidate(ctx, "cand-42", []matcher.JobRef{p.Job}); err != nil {
		t.Fatal(err)
	}
	rdb := st.Client()
	keys, _ := rdb.Keys(ctx, "*").Result()
	for _, k := range keys {
		if strings.Contains(k, "cand-42") {
			t.Errorf("key %s names the erased candidate", k)
		}
		if typ, _ := rdb.Type(ctx, k).Result(); typ == "set" {
			if ok, _ := rdb.SIsMember(ctx, k, "cand-42").Result(); ok {
				t.Errorf("set %s holds the erased candidate", k)
			}
		}
	}
	if out, _ := st.PutCandidate(ctx, c, ver(1, "b")); out != matcher.Stale {
		t.Errorf("registration older than the withdrawal: %v, want stale", out)
	}
	c2 := *c
	if out, _ := st.PutCandidate(ctx, &c2, ver(3, "a")); out != matcher.Applied || c2.Rev != 3 {
		t.Errorf("re-registration: %v rev %d, want applied with a revision above the erased one", out, c2.Rev)
	}
}

func TestClaimLifecycle(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	c := &matcher.CandidateFeatures{CandidateID: "c1", Skills: []string{"go"}, Campaigns: []string{"open"}}
	if _, err := st.PutCandidate(ctx, c, ver(1, "a")); err != nil {
		t.Fatal(err)
	}
	p := matcher.Pair{Job: matcher.JobRef{CompanyID: "co", JobID: "j1"}, CandidateID: "c1"}
	ev := &matcher.Outbound{ID: "m.1.created", Kind: matcher.MatchCreated, Time: t0, Match: matcher.Match{MatchID: "m"}}
	claim := matcher.Claim{Pair: p, Event: ev, Gen: 1, CandidateRev: c.Rev, Campaign: "open", Score: 0.75}
	steps := []struct {
		name  string
		claim matcher.Claim
		want  matcher.ClaimResult
	}{
		{"create", claim, matcher.ClaimTaken},
		{"create twice", claim, matcher.ClaimBusy},
	}
	for _, s := range steps {
		res, err := st.Claim(ctx, []matcher.Claim{s.claim})
		if err != nil || res[0] != s.want {
			t.Fatalf("%s: %v %v, want %v", s.name, res, err, s.want)
		}
	}
	en, _ := st.Entries(ctx, []matcher.Pair{p})
	if en[0].State != matcher.EntryCreating || en[0].Pending == nil || en[0].Pending.ID != ev.ID {
		t.Fatalf("pending entry %+v", en[0])
	}
	if err := st.Complete(ctx, []matcher.Claim{claim}); err != nil {
		t.Fatal(err)
	}
	en, _ = st.Entries(ctx, []matcher.Pair{p})
	if en[0].State != matcher.EntryActive || en[0].Gen != 1 || en[0].Score != 0.75 || en[0].Campaign != "open" || en[0].Pending != nil {
		t.Fatalf("active entry %+v", en[0])
	}
	retract := matcher.Claim{Pair: p, Event: &matcher.Outbound{ID: "m.1.retracted", Kind: matcher.MatchRetracted}, Gen: 2}
	if res, _ := st.Claim(ctx, []matcher.Claim{retract}); res[0] != matcher.ClaimBusy {
		t.Errorf("retract of another generation: %v, want busy", res[0])
	}
	retract.Gen = 1
	if res, _ := st.Claim(ctx, []matcher.Claim{retract}); res[0] != matcher.ClaimTaken {
		t.Errorf("retract: %v, want taken", res[0])
	}
	if err := st.Complete(ctx, []matcher.Claim{retract, retract}); err != nil {
		t.Fatal(err)
	}
	if en, _ = st.Entries(ctx, []matcher.Pair{p}); en[0].State != matcher.EntryNone {
		t.Errorf("entry after retraction %+v, want none", en[0])
	}
	// A claim made with an old view of the candidate fails.
	if _, err := st.PutCandidate(ctx, c, ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	claim.CandidateRev = 1
	if res, _ := st.Claim(ctx, []matcher.Claim{claim}); res[0] != matcher.ClaimStaleRev {
		t.Errorf("claim on a changed candidate: %v, want stale", res[0])
	}
}

func TestLayoutGuard(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t)
	a, _ := New(rdb, Config{Prefix: "x", Shards: 4})
	if err := a.Init(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := New(rdb, Config{Prefix: "x", Shards: 8})
	if err := b.Init(ctx); !errors.Is(err, ErrLayout) {
		t.Fatalf("got %v, want ErrLayout", err)
	}
	if _, err := New(rdb, Config{Prefix: "a{b}"}); err == nil {
		t.Fatal("prefix with braces accepted")
	}
}

func TestScriptsReloadAfterRestart(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t)
	st, _ := New(rdb, Config{Prefix: "x", Shards: 2})
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	p := matcher.Pair{Job: matcher.JobRef{CompanyID: "co", JobID: "j"}, CandidateID: "c"}
	ev := &matcher.Outbound{ID: "e", Kind: matcher.MatchCreated}
	if res, err := st.Claim(ctx, []matcher.Claim{{Pair: p, Event: ev, Gen: 1}}); err != nil || res[0] != matcher.ClaimTaken {
		t.Fatalf("claim after script flush: %v %v", res, err)
	}
}

func TestShardsSpreadOverSlots(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t)
	if got := keySlot("123456789"); got != 12739 { // Redis Cluster specification's test vector
		t.Fatalf("keySlot(123456789) = %d, want 12739", got)
	}
	k := newKeys("talentmatch", 16)
	seen := map[int]bool{}
	for i, tag := range k.tags {
		key := tag + "x"
		// Redis's own slot function agrees with ours.
		want, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err != nil && !strings.Contains(err.Error(), "cluster support disabled") {
			t.Fatal(err)
		}
		got := int(keySlot(key[strings.Index(key, "{")+1 : strings.Index(key, "}")]))
		if err == nil && int64(got) != want {
			t.Fatalf("slot of %s: ours %d, Redis %d", key, got, want)
		}
		if got < i*slots/16 || got >= (i+1)*slots/16 {
			t.Errorf("shard %d's slot %d is outside its range", i, got)
		}
		seen[got*3/slots] = true // which third of the slots: a master of a 3-master cluster
	}
	if len(seen) != 3 {
		t.Errorf("16 shards cover %d of 3 masters' slot ranges", len(seen))
	}
}
