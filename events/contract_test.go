package events_test

import (
	"testing"

	"github.com/talentmatch/talentmatch/events"
	"github.com/talentmatch/talentmatch/matcher"
	"github.com/talentmatch/talentmatch/matcher/matchertest"
	"github.com/talentmatch/talentmatch/schemas"
)

// TestEngineEventsMeetTheContract runs the engine's behavioural table in
// memory and validates every match event it publishes, as the message
// events.Publisher would send, against the contract's schemas.
func TestEngineEventsMeetTheContract(t *testing.T) {
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	matchertest.RunWith(t, func(t *testing.T, clock *matchertest.Clock) matchertest.Backend {
		return matchertest.New(matchertest.Config{Now: clock.Now})
	}, matchertest.Options{CheckEvent: func(ob *matcher.Outbound) error {
		msg, err := events.MatchMsg(ob)
		if err != nil {
			return err
		}
		doc, err := schemas.Decode(msg.Data)
		if err != nil {
			return err
		}
		typ := events.TypeMatchCreated
		if ob.Kind == matcher.MatchRetracted {
			typ = events.TypeMatchRetracted
		}
		return v.Validate(typ, doc)
	}})
}
