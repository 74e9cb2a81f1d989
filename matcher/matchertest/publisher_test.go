package matchertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/matcher"
)

func TestPublisherDropsRepeatedIDs(t *testing.T) {
	ctx := context.Background()
	p := NewPublisher()
	a, b := &matcher.Outbound{ID: "m.1.created"}, &matcher.Outbound{ID: "m.1.retracted"}
	tests := []struct {
		name    string
		fail    error
		publish []*matcher.Outbound
		wantErr error
		wantLen int
	}{
		{name: "first", publish: []*matcher.Outbound{a}, wantLen: 1},
		{name: "again with a new one", publish: []*matcher.Outbound{a, b}, wantLen: 2},
		{name: "failing", fail: ErrPublish, publish: []*matcher.Outbound{{ID: "m.2.created"}}, wantErr: ErrPublish, wantLen: 2},
		{name: "repeat only", publish: []*matcher.Outbound{b, a}, wantLen: 2},
	}
	for _, tc := range tests {
		p.Fail(tc.fail)
		if err := p.Publish(ctx, tc.publish); !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: got error %v, want %v", tc.name, err, tc.wantErr)
		}
		if got := p.Len(); got != tc.wantLen {
			t.Errorf("%s: got %d events, want %d", tc.name, got, tc.wantLen)
		}
	}
	if evs := p.Events(); evs[0].ID != a.ID || evs[1].ID != b.ID {
		t.Errorf("events out of order: %v, %v", evs[0].ID, evs[1].ID)
	}
}

func TestClockMovesOnlyWhenTold(t *testing.T) {
	c := NewClock(Start)
	if got := c.Now(); !got.Equal(Start) {
		t.Fatalf("got %v, want %v", got, Start)
	}
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(Start.Add(time.Hour)) {
		t.Fatalf("after Advance: got %v, want %v", got, Start.Add(time.Hour))
	}
	c.Set(Start)
	if got := c.Now(); !got.Equal(Start) {
		t.Fatalf("after Set: got %v, want %v", got, Start)
	}
}

func TestLockExpiresOnTheStoreClock(t *testing.T) {
	ctx := context.Background()
	c := NewClock(Start)
	s := New(Config{Now: c.Now})
	if _, ok, _ := s.Lock(ctx, "x", time.Minute); !ok {
		t.Fatal("first lock refused")
	}
	if _, ok, _ := s.Lock(ctx, "x", time.Minute); ok {
		t.Fatal("second lock taken while the first holds")
	}
	c.Advance(time.Minute)
	if _, ok, _ := s.Lock(ctx, "x", time.Minute); !ok {
		t.Fatal("lock refused after the first expired")
	}
}
