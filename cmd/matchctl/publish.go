package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/talentmatch/talentmatch/events"
)

// kinds maps the --type names to event types and the data field naming the
// subject's entity.
var kinds = map[string]struct{ typ, idField string }{
	"job":                 {events.TypeJobPosted, "company_id"},
	"job-closed":          {events.TypeJobClosed, "company_id"},
	"candidate":           {events.TypeCandidateRegistered, "candidate_id"},
	"candidate-withdrawn": {events.TypeCandidateWithdrawn, "candidate_id"},
	"campaign":            {events.TypeCampaignOpened, "campaign_id"},
	"campaign-closed":     {events.TypeCampaignClosed, "campaign_id"},
}

func runPublish(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	var nf natsFlags
	nf.register(fs)
	kind := fs.String("type", "", "job, candidate, campaign, job-closed, candidate-withdrawn or campaign-closed (default: inferred per object)")
	source := fs.String("source", "/matchctl", "CloudEvents source")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: matchctl publish [flags] file.json|file.jsonl|- ...\n\nEach object becomes one CloudEvent with a new id and the current time.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	url, _ := nf.resolve()
	nc, js, err := connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	n := 0
	for _, path := range fs.Args() {
		objs, err := readObjects(path)
		if err != nil {
			return err
		}
		for i, obj := range objs {
			k := *kind
			if k == "" {
				if k = infer(obj); k == "" {
					return fmt.Errorf("%s: object %d: cannot tell its type; pass --type", path, i+1)
				}
			}
			if _, err := publishObject(ctx, js, k, *source, obj); err != nil {
				return fmt.Errorf("%s: object %d: %w", path, i+1, err)
			}
			n++
		}
	}
	fmt.Printf("published %d events to %s\n", n, url)
	return nil
}

// publishObject publishes one data object as an event of kind k.
func publishObject(ctx context.Context, js jetstream.JetStream, k, source string, obj map[string]any) (*jetstream.PubAck, error) {
	spec, ok := kinds[k]
	if !ok {
		return nil, fmt.Errorf("unknown type %q", k)
	}
	id, _ := obj[spec.idField].(string)
	if id == "" {
		return nil, fmt.Errorf("%s event without %s", k, spec.idField)
	}
	msg, err := events.InboundMsg(spec.typ, id, uuid.NewString(), source, time.Now(), obj)
	if err != nil {
		return nil, err
	}
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", msg.Subject, err)
	}
	return ack, nil
}

func infer(obj map[string]any) string {
	has := func(k string) bool { _, ok := obj[k]; return ok }
	switch {
	case has("required_skills") || has("title"):
		return "job"
	case has("skills"):
		return "candidate"
	case has("starts_at") || has("name"):
		return "campaign"
	}
	return ""
}

// readObjects reads a JSON object, a JSON array of objects, or JSON lines.
func readObjects(path string) ([]map[string]any, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var arr []map[string]any
		if err := json.Unmarshal(b, &arr); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return arr, nil
	}
	var out []map[string]any
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(b)))
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: object %d: %w", path, len(out)+1, err)
		}
		out = append(out, m)
	}
}
