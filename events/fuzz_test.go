package events

import (
	"strings"
	"testing"
	"time"

	"github.com/talentmatch/talentmatch/schemas"
)

// FuzzDecode checks that no message, however broken, panics the decoder,
// and that every rejection carries a reason of the contract and a sentence.
func FuzzDecode(f *testing.F) {
	seeds := [][2]string{
		{"talent.candidates.registered.c1", string(event(TypeCandidateRegistered, candidate(nil)))},
		{"talent.jobs.posted.acme", string(event(TypeJobPosted, map[string]any{"job_id": "j1", "company_id": "acme", "company_name": "A", "title": "T", "required_skills": []string{"Go"}, "industries": []string{"AI"}}))},
		{"talent.jobs.closed.acme", `{"specversion":"1.0","id":"x","source":"/s","type":"talentmatch.job.closed.v1","time":"2026-11-25T11:00:00Z","data":{"job_id":"j","company_id":"acme"}}`},
		{"talent.campaigns.opened.c", `{"specversion":"1.0","id":"x","source":"/s","type":"talentmatch.campaign.opened.v1","time":"2026-11-25T11:00:00Z","data":{"campaign_id":"c","name":"n","starts_at":"2026-11-01T00:00:00Z","ends_at":"2026-12-01T00:00:00Z"}}`},
		{"talent.candidates.registered.c1", "{"},
		{"talent.candidates.registered.c1", "[[[[[[[[[[]]]]]]]]]]"},
		{"x", "\xff\xfe"},
		{"talent.candidates.withdrawn.c1", `{"specversion":"1.0","id":"","source":"","type":"","time":"","data":null}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	v, err := schemas.New()
	if err != nil {
		f.Fatal(err)
	}
	d := NewDecoder(v, DecoderConfig{MaxBytes: 64 << 10, Now: func() time.Time { return now }})
	valid := map[Reason]bool{}
	for _, r := range Reasons {
		valid[r] = true
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		in, err := d.Decode(subject, []byte(body))
		if err == nil {
			if in.EntityID == "" || in.Envelope.ID == "" {
				t.Fatalf("accepted an event without id or entity: %+v", in)
			}
			return
		}
		re, ok := AsReject(err)
		if !ok || !valid[re.Reason] || strings.TrimSpace(re.Msg) == "" {
			t.Fatalf("rejection %v has no reason of the contract or no sentence", err)
		}
	})
}
