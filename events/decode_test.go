package events

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/talentmatch/talentmatch/schemas"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func decoder(t *testing.T) *Decoder {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	return NewDecoder(v, DecoderConfig{MaxBytes: 64 << 10, Now: func() time.Time { return now }})
}

func event(typ string, data any, mod ...func(map[string]any)) []byte {
	m := map[string]any{"specversion": "1.0", "id": "e1", "source": "/test", "type": typ,
		"time": "2026-11-25T11:00:00Z", "datacontenttype": "application/json", "data": data}
	for _, f := range mod {
		f(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func candidate(extra map[string]any) map[string]any {
	d := map[string]any{"candidate_id": "c1", "skills": []string{"Go"}, "consent_to_match": true}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func TestDecode(t *testing.T) {
	d := decoder(t)
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	many := make([]string, 100000)
	for i := range many {
		many[i] = "s"
	}
	tests := []struct {
		name, subject string
		body          []byte
		reason        Reason // "" = accepted
		says          string
	}{
		{"valid candidate", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil)), "", ""},
		{"valid job", "talent.jobs.posted.acme", event(TypeJobPosted, map[string]any{"job_id": "j1", "company_id": "acme", "company_name": "Acme", "title": "Dev",
			"required_skills": []string{"Go"}, "industries": []string{"software"}}), "", ""},
		{"extension attribute", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil), func(m map[string]any) { m["traceparent"] = "00-x" }), "", ""},
		{"null optional list", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"industries": nil})), "", ""},
		{"not json", "talent.candidates.registered.c1", []byte("{"), ReasonMalformed, "not JSON"},
		{"invalid utf-8", "talent.candidates.registered.c1", []byte("{\"a\":\"\xff\"}"), ReasonMalformed, "UTF-8"},
		{"deeply nested", "talent.candidates.registered.c1", []byte(deep), ReasonMalformed, "not JSON"},
		{"json array", "talent.candidates.registered.c1", []byte(`[1,2]`), ReasonMalformed, "not a CloudEvent"},
		{"missing specversion", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil), func(m map[string]any) { delete(m, "specversion") }), ReasonMalformed, "specversion"},
		{"missing time", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil), func(m map[string]any) { delete(m, "time") }), ReasonMalformed, "time"},
		{"too large", "talent.candidates.registered.c1", []byte(strings.Repeat(" ", 70000)), ReasonTooLarge, "65536"},
		{"unknown type", "talent.candidates.registered.c1", event("talentmatch.candidate.promoted.v1", candidate(nil)), ReasonUnknownType, "talentmatch.candidate.promoted.v1"},
		{"outbound type inbound", "talent.candidates.registered.c1", event(TypeMatchCreated, candidate(nil)), ReasonUnknownType, "not one talentmatch accepts"},
		{"type on the wrong subject", "talent.jobs.posted.c1", event(TypeCandidateRegistered, candidate(nil)), ReasonUnauthorized, "may only be published on"},
		{"subject id mismatch", "talent.candidates.registered.c2", event(TypeCandidateRegistered, candidate(nil)), ReasonUnauthorized, `data.candidate_id is "c1"`},
		{"company mismatch", "talent.jobs.closed.other", event(TypeJobClosed, map[string]any{"job_id": "j1", "company_id": "acme"}), ReasonUnauthorized, "company"},
		{"protected attribute", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"gender": "f", "age": 30})), ReasonInvalid, "age, gender"},
		{"unknown field", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"hobby": "go"})), ReasonInvalid, "hobby"},
		{"id with dot", "talent.candidates.registered.c.1", event(TypeCandidateRegistered, candidate(map[string]any{"candidate_id": "c.1"})), ReasonUnauthorized, ""},
		{"id with space", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"candidate_id": "c 1"})), ReasonInvalid, "/data/candidate_id"},
		{"id with wildcard", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"candidate_id": "c*"})), ReasonInvalid, "/data/candidate_id"},
		{"id of 65 characters", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"candidate_id": strings.Repeat("a", 65)})), ReasonInvalid, "/data/candidate_id"},
		{"empty skill", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"skills": []string{"Go", ""}})), ReasonInvalid, "/data/skills/1"},
		{"blank skill", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"skills": []string{"   "}})), ReasonInvalid, "/data/skills/0"},
		{"duplicate skills", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"skills": []string{"Go", "Go"}})), ReasonInvalid, "/data/skills"},
		{"100,000 skills", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"skills": many})), ReasonTooLarge, ""},
		{"no consent field", "talent.candidates.registered.c1", event(TypeCandidateRegistered, map[string]any{"candidate_id": "c1", "skills": []string{"Go"}}), ReasonInvalid, "consent_to_match"},
		{"time far in the future", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil), func(m map[string]any) { m["time"] = "2030-01-01T00:00:00Z" }), ReasonInvalid, "in the future"},
		{"time before 2000", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(nil), func(m map[string]any) { m["time"] = "1999-01-01T00:00:00Z" }), ReasonInvalid, "before 2000"},
		{"reserved campaign id", "talent.campaigns.opened.open", event(TypeCampaignOpened, map[string]any{"campaign_id": "open", "name": "x", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"}), ReasonInvalid, "reserved"},
		{"campaign ends before it starts", "talent.campaigns.opened.c", event(TypeCampaignOpened, map[string]any{"campaign_id": "c", "name": "x", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}), ReasonInvalid, "not after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := d.Decode(tc.subject, tc.body)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if in.EntityID == "" || in.Envelope.ID != "e1" {
					t.Errorf("decoded %+v", in)
				}
				return
			}
			re, ok := AsReject(err)
			if !ok {
				t.Fatalf("got %v, want a %s rejection", err, tc.reason)
			}
			if re.Reason != tc.reason || !strings.Contains(re.Msg, tc.says) {
				t.Errorf("got %s %q, want %s mentioning %q", re.Reason, re.Msg, tc.reason, tc.says)
			}
		})
	}
}

func TestDecodeTypedData(t *testing.T) {
	d := decoder(t)
	in, err := d.Decode("talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"degree": "phd", "locations": []string{"北京"}})))
	if err != nil {
		t.Fatal(err)
	}
	if in.Candidate == nil || in.Candidate.Degree != "phd" || in.Candidate.Locations[0] != "北京" || !in.Candidate.ConsentToMatch {
		t.Fatalf("candidate %+v", in.Candidate)
	}
	if v := in.Version(); !v.Time.Equal(now.Add(-time.Hour)) || v.EventID != "e1" {
		t.Errorf("version %+v", v)
	}
}

func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	m.EventsTotal.WithLabelValues(TypeJobPosted, OutcomeApplied).Inc()
	if got := testutil.ToFloat64(m.EventsTotal.WithLabelValues(TypeJobPosted, OutcomeApplied)); got != 1 {
		t.Errorf("events_total = %v", got)
	}
	if got := testutil.ToFloat64(m.DeadLetters.WithLabelValues(string(ReasonMaxDeliver))); got != 0 {
		t.Errorf("dead letter series must start at zero, got %v", got)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

func TestSubjects(t *testing.T) {
	if got := MatchSubject("created", "camp", "co", "c1"); got != "talent.matches.created.camp.co.c1" {
		t.Error(got)
	}
	if got := InboundSubject(TypeJobClosed, "acme"); got != "talent.jobs.closed.acme" {
		t.Error(got)
	}
	if got := InboundSubject(TypeMatchCreated, "x"); got != "" {
		t.Error(got)
	}
}
