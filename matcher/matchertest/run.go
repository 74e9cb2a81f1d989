package matchertest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/talentmatch/talentmatch/matcher"
)

// Scenario is one case of the engine's behavioural table: an engine
// configuration and the steps that drive it.
type Scenario struct {
	Name string
	// Config is the engine's configuration; Run sets its clock.
	Config matcher.Config
	Steps  []Step
	// Bug, when set, names a known engine bug the scenario shows: Run
	// then requires the scenario to fail with a message containing
	// Symptom, logs it, and fails once the scenario passes (or fails
	// otherwise), so that the note goes with the fix.
	Bug, Symptom string
}

// Options adjust Run.
type Options struct {
	// CheckEvent, when set, is called on every match event a step
	// publishes; an error fails the step.
	CheckEvent func(*matcher.Outbound) error
	// Wire, when set, returns the store and ranker the engine runs on
	// (the backend is still what the checks read), for example a mirror
	// of the backend as ranker; s is the engine's scorer.
	Wire func(t testing.TB, b Backend, s *matcher.Scorer) (matcher.Store, matcher.Ranker)
}

// Run runs every scenario of Scenarios as a subtest, each on a fresh
// backend from newBackend.
func Run(t *testing.T, newBackend NewBackend) { RunWith(t, newBackend, Options{}) }

// RunWith is Run with options.
func RunWith(t *testing.T, newBackend NewBackend, opts Options) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) { runScenario(t, sc, newBackend, opts) })
	}
}

// RunScenario runs one scenario's steps in order. After each it checks the
// events the step published, its outcome or error, and the whole ledger
// against the events published so far (Env.CheckLedger); it stops at the
// first step that fails.
func RunScenario(t *testing.T, sc Scenario, newBackend NewBackend) {
	runScenario(t, sc, newBackend, Options{})
}

func runScenario(t *testing.T, sc Scenario, newBackend NewBackend, opts Options) {
	clock := NewClock(Start)
	b := newBackend(t, clock)
	if sc.Bug == "" {
		runSteps(t, sc, b, clock, opts)
		return
	}
	x := &expectFailure{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runSteps(x, sc, b, clock, opts)
	}()
	<-done
	msgs := strings.Join(x.msgs, "\n")
	switch {
	case !x.failed:
		t.Errorf("known bug %q no longer shows: the scenario passes; drop its Bug note", sc.Bug)
	case !strings.Contains(msgs, sc.Symptom):
		t.Errorf("known bug %q: the scenario fails without its symptom %q:\n%s", sc.Bug, sc.Symptom, msgs)
	default:
		t.Logf("known bug: %s; it still shows:\n%s", sc.Bug, msgs)
	}
}

// expectFailure is a testing.TB that records failures instead of failing
// the test, for scenarios of known bugs.
type expectFailure struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (x *expectFailure) Errorf(format string, args ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.failed = true
	x.msgs = append(x.msgs, fmt.Sprintf(format, args...))
}

func (x *expectFailure) Fatalf(format string, args ...any) {
	x.Errorf(format, args...)
	runtime.Goexit()
}

func (x *expectFailure) Fatal(args ...any) {
	x.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

func runSteps(t testing.TB, sc Scenario, b Backend, clock *Clock, opts Options) {
	t.Helper()
	ctx := context.Background()
	e := NewEnv(t, b, clock, sc.Config, opts)
	var lastV matcher.Version
	var last *Step
	for i, s := range sc.Steps {
		clock.Advance(s.tick)
		name := s.name
		do := s.do
		v := lastV
		switch {
		case s.again && last == nil:
			t.Fatalf("step %d (again): no event before it", i+1)
		case s.again:
			name, do = "again: "+last.name, last.do
		case s.event:
			v = e.version(s.back)
			lastV, last = v, &sc.Steps[i]
		}
		before := e.Pub.Len()
		pending, err := e.pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var nestedErr error
		ran := false
		if d := s.during; d != nil {
			e.hooks.set(d.method, func() {
				ran = true
				clock.Advance(d.step.tick)
				_, nestedErr = d.step.do(ctx, e, e.version(d.step.back))
			})
		}
		if s.pubFail {
			e.Pub.Fail(ErrPublish)
		}
		ef, err := do(ctx, e, v)
		e.Pub.Fail(nil)
		if d := s.during; d != nil {
			e.hooks.take(d.method)
			if !ran {
				t.Fatalf("step %d (%s): it never called %s, so %s did not run", i+1, name, d.method, d.step.name)
			}
			if nestedErr != nil {
				t.Fatalf("step %d (%s during %s): %v", i+1, d.step.name, name, nestedErr)
			}
		}
		switch {
		case s.err != nil && !errors.Is(err, s.err):
			t.Fatalf("step %d (%s): got error %v, want %v", i+1, name, err, s.err)
		case s.err == nil && err != nil:
			t.Fatalf("step %d (%s): %v", i+1, name, err)
		}
		if s.outcome != 0 && ef.Outcome != s.outcome {
			t.Errorf("step %d (%s): got outcome %v, want %v", i+1, name, ef.Outcome, s.outcome)
		}
		var got []string
		var created, retracted int
		for _, ob := range e.Pub.Events()[before:] {
			if ob.Kind == matcher.MatchCreated {
				created++
			} else {
				retracted++
			}
			got = append(got, Event(ob))
			if opts.CheckEvent != nil {
				if err := opts.CheckEvent(ob); err != nil {
					t.Errorf("step %d (%s): event %s: %v", i+1, name, Event(ob), err)
				}
			}
		}
		// An event's effect counts what it published, unless it completed
		// pending events (which it republishes uncounted) or another event
		// ran within it.
		if s.event && !s.again && s.during == nil && !pending && err == nil && (ef.Created != created || ef.Retracted != retracted) {
			t.Errorf("step %d (%s): effect counts %d created, %d retracted; it published %d, %d", i+1, name, ef.Created, ef.Retracted, created, retracted)
		}
		want := append([]string(nil), s.want...)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d (%s): published\n\t%s\nwant\n\t%s", i+1, name, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
		if bad := e.CheckLedger(ctx); len(bad) > 0 && !s.pubFail {
			t.Fatalf("step %d (%s): ledger disagrees with the events:\n\t%s", i+1, name, strings.Join(bad, "\n\t"))
		}
		if s.active != nil {
			got, err := e.Active(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, s.active) {
				t.Fatalf("step %d (%s): active entries %q, want %q", i+1, name, got, s.active)
			}
		}
		if s.held != nil {
			got, err := e.Held(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, s.held) {
				t.Fatalf("step %d (%s): held %q, want %q", i+1, name, got, s.held)
			}
		}
	}
}
