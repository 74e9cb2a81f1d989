package events

import (
	"strings"
	"testing"
)

// TestDecodeFreeText covers the optional free text of a job (description)
// and a candidate (summary): decoded when present, bounded in length.
func TestDecodeFreeText(t *testing.T) {
	d := decoder(t)
	job := func(desc any) map[string]any {
		return map[string]any{"job_id": "j1", "company_id": "acme", "company_name": "Acme", "title": "Dev",
			"required_skills": []string{"Go"}, "industries": []string{"software"}, "description": desc}
	}
	in, err := d.Decode("talent.jobs.posted.acme", event(TypeJobPosted, job("熟悉Kubernetes; experience with Kafka")))
	if err != nil || in.Job.Description != "熟悉Kubernetes; experience with Kafka" {
		t.Fatalf("job with description: %v, %+v", err, in)
	}
	in, err = d.Decode("talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"summary": "五年机器学习经验"})))
	if err != nil || in.Candidate.Summary != "五年机器学习经验" {
		t.Fatalf("candidate with summary: %v, %+v", err, in)
	}
	for _, tc := range []struct {
		name, subject string
		body          []byte
	}{
		{"description too long", "talent.jobs.posted.acme", event(TypeJobPosted, job(strings.Repeat("机", 4001)))},
		{"description not a string", "talent.jobs.posted.acme", event(TypeJobPosted, job([]string{"Go"}))},
		{"summary too long", "talent.candidates.registered.c1", event(TypeCandidateRegistered, candidate(map[string]any{"summary": strings.Repeat("a", 4001)}))},
	} {
		_, err := d.Decode(tc.subject, tc.body)
		re, ok := AsReject(err)
		if !ok || re.Reason != ReasonInvalid {
			t.Errorf("%s: err %v, want an invalid rejection", tc.name, err)
			continue
		}
		if !strings.Contains(re.Error(), "description") && !strings.Contains(re.Error(), "summary") {
			t.Errorf("%s: %q does not name the field", tc.name, re.Error())
		}
	}
	// 4000 characters of Chinese (12 KB) fit in an event.
	if _, err := d.Decode("talent.jobs.posted.acme", event(TypeJobPosted, job(strings.Repeat("机", 4000)))); err != nil {
		t.Errorf("description of 4000 characters: %v", err)
	}
}
