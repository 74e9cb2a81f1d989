package state

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/internal/testenv"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/mirror"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func newMirror() *mirror.Mirror {
	return mirror.New(matcher.NewScorer(taxonomy.Default(), matcher.ScoreConfig{}))
}

func cand(id string, skills ...string) *matcher.CandidateFeatures {
	return &matcher.CandidateFeatures{CandidateID: id, Skills: skills, Campaigns: []string{"open"}}
}

func runFollower(t *testing.T, f *Follower) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestFollowerKeepsMirrorInStep(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	for i := 0; i < 50; i++ {
		if _, err := st.PutCandidate(ctx, cand(fmt.Sprintf("c%d", i), "go"), ver(1, "a")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.PutJob(ctx, job("j1", "go"), ver(1, "a")); err != nil {
		t.Fatal(err)
	}
	m := newMirror()
	f, err := st.NewFollower(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if jobs, cands := m.Size(); jobs != 1 || cands != 50 {
		t.Fatalf("loaded %d jobs and %d candidates, want 1 and 50", jobs, cands)
	}
	runFollower(t, f)
	// Changes after the load arrive through the change log; Sync waits for them.
	if _, err := st.EraseCandidate(ctx, "c7", ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutCandidate(ctx, cand("new", "rust"), ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CloseJob(ctx, matcher.JobRef{CompanyID: "co", JobID: "j1"}, ver(2, "a")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Rev('c', "c7"); ok {
		t.Error("withdrawn candidate still mirrored")
	}
	if rev, ok := m.Rev('c', "new"); !ok || rev != 1 {
		t.Errorf("new candidate: rev %d, %v", rev, ok)
	}
	if jobs, cands := m.Size(); jobs != 0 || cands != 50 {
		t.Errorf("after changes: %d jobs, %d candidates; want 0 and 50", jobs, cands)
	}
}

func TestFollowerReloadsWhenTheLogWasTrimmed(t *testing.T) {
	ctx := context.Background()
	st, err := New(testenv.Redis(t), Config{Prefix: "trim", Shards: 1, LogLength: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	m := newMirror()
	f, err := st.NewFollower(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	// While the follower is not running, far more changes than the log keeps.
	for i := 0; i < 500; i++ {
		if _, err := st.PutCandidate(ctx, cand(fmt.Sprintf("c%d", i), "go"), ver(1, "a")); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		if _, err := st.EraseCandidate(ctx, fmt.Sprintf("c%d", i), ver(2, "a")); err != nil {
			t.Fatal(err)
		}
	}
	runFollower(t, f)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, n := m.Size(); n == 400 {
			break
		}
		if time.Now().After(deadline) {
			_, n := m.Size()
			t.Fatalf("mirror holds %d candidates, want 400", n)
		}
	}
	if _, ok := m.Rev('c', "c5"); ok {
		t.Error("a candidate erased while the follower was away is still mirrored")
	}
}

func TestFollowerReloadsWhenRedisLostItsData(t *testing.T) {
	ctx := context.Background()
	st := newState(t)
	for i := 0; i < 20; i++ {
		st.PutCandidate(ctx, cand(fmt.Sprintf("c%d", i), "go"), ver(1, "a"))
	}
	m := newMirror()
	f, err := st.NewFollower(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	runFollower(t, f)
	// Our own test server: wipe it, as a Redis without persistence would be after a restart.
	if err := st.Client().FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.Init(ctx); err != nil {
		t.Fatal(err)
	}
	st.PutCandidate(ctx, cand("fresh", "go"), ver(1, "a"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		f.Sync(ctx)
		_, n := m.Size()
		if _, ok := m.Rev('c', "fresh"); ok && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mirror holds %d candidates after Redis lost its data, want only the fresh one", n)
		}
	}
}
