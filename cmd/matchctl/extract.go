package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/talentmatch/talentmatch/matcher/extract"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// extractInput is one JSONL input line of matchctl extract.
type extractInput struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

// extractOutput is one output line.
type extractOutput struct {
	ID     json.RawMessage `json:"id"`
	Skills []extract.Skill `json:"skills"`
}

func runExtract(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: matchctl extract [flags] [file]

Reads one text per line (a JSON object {"id": ..., "text": "..."} or plain
text, whose id is then its line number) from file or standard input, and
prints one JSON line per input: {"id", "skills": [{"id", "label", "esco",
"score", "span"}]} ranked best first; esco is the skill's ESCO concept id
(skill/<uuid>) or "", span holds code-point offsets into the text.

`)
		fs.PrintDefaults()
	}
	top := fs.Int("top", 0, "print at most this many skills per text (0 = all)")
	literal := fs.Bool("literal", false, "use the baseline instead: literal lookup of every label, no boundaries, gate or longest match")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	if fs.NArg() > 1 {
		fs.Usage()
		return flag.ErrHelp
	}
	if fs.NArg() == 1 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	ex := extract.For(taxonomy.Default())
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	return extractLines(ctx, in, w, ex, *top, *literal)
}

// extractLines runs the extractor over every line of in. A line that starts
// with '{' must be a JSON object with a string "text"; blank lines are
// skipped but counted.
func extractLines(ctx context.Context, in io.Reader, out io.Writer, ex *extract.Extractor, top int, literal bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 2*extract.MaxTextBytes)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 1; sc.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		o := extractOutput{ID: json.RawMessage(strconv.Itoa(n))}
		text := line
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			var x extractInput
			if err := json.Unmarshal([]byte(line), &x); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			if x.Text == nil {
				return fmt.Errorf("line %d: no \"text\" string", n)
			}
			if len(x.ID) > 0 {
				o.ID = x.ID
			}
			text = *x.Text
		}
		if literal {
			o.Skills = ex.Literal(text)
		} else {
			o.Skills = ex.Extract(text)
		}
		if top > 0 && len(o.Skills) > top {
			o.Skills = o.Skills[:top]
		}
		if o.Skills == nil {
			o.Skills = []extract.Skill{}
		}
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}
