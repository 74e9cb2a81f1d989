package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/talentmatch/talentmatch/internal/eval"
	"github.com/talentmatch/talentmatch/matcher/extract"
	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func runEvalExtract(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval-extract", flag.ContinueOnError)
	set := fs.String("set", "", `annotated sentences, JSONL {"id","lang","kind","text","skills":[ESCO skill ids]}`)
	k := fs.Int("k", 5, "score the top k skills of each sentence")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *set == "" || *k < 1 {
		fs.Usage()
		return flag.ErrHelp
	}
	f, err := os.Open(*set)
	if err != nil {
		return err
	}
	cases, err := eval.ReadTextCases(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *set, err)
	}
	tax := taxonomy.Default()
	ex := extract.For(tax)
	build := ex.Build()
	rep := eval.EvaluateExtraction(cases, ex, eval.ExtractOptions{K: *k, Known: escoKnown(tax), Near: escoNear(tax)})
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Printf("%d sentences, %d gold skills (%.1f%% named by the taxonomy); automaton built in %.1fs\n",
		rep.Sentences, rep.Gold, 100*rep.Reachable, build.Seconds())
	fmt.Printf("%-10s %-9s %6s %6s %12s %12s %12s %12s\n", "lang", "", "texts", "gold", "recall@k", "precision@k", "lit recall", "lit prec")
	row := func(lang string, n, gold int, e, l eval.ExtractMetrics) {
		fmt.Printf("%-10s %-9s %6d %6d %12.3f %12.3f %12.3f %12.3f\n", lang, "", n, gold, e.Recall, e.Precision, l.Recall, l.Precision)
	}
	langs := make([]string, 0, len(rep.ByLang))
	for l := range rep.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		r := rep.ByLang[l]
		row(l, r.Sentences, r.Gold, r.Extractor, r.Literal)
	}
	row("all", rep.Sentences, rep.Gold, rep.Extractor, rep.Literal)
	fmt.Printf("k = %d; sentences without gold skills left clean: extractor %.3f, literal %.3f\n", rep.K, rep.Extractor.EmptyClean, rep.Literal.EmptyClean)
	fmt.Printf("counting parent, child and sibling concepts as right: extractor recall %.3f precision %.3f, literal recall %.3f precision %.3f\n",
		rep.Extractor.NearRecall, rep.Extractor.NearPrecision, rep.Literal.NearRecall, rep.Literal.NearPrecision)
	fmt.Printf("label ceiling (gold skills one of whose labels occurs in the text at all): %.3f\n", rep.LabelCeiling)
	return nil
}

// escoNear reports whether two ESCO ids name skills of tax that are parent
// and child or share a parent.
func escoNear(tax *taxonomy.Taxonomy) func(p, g string) bool {
	idx := make(map[string]int32, tax.NumSkills())
	for i := 0; i < tax.NumSkills(); i++ {
		if e := taxonomy.ESCOID(tax.SkillAt(int32(i)).ID); e != "" {
			idx[e] = int32(i)
		}
	}
	return func(p, g string) bool {
		a, okA := idx[p]
		b, okB := idx[g]
		if !okA || !okB {
			return false
		}
		sa, sb := tax.SkillAt(a), tax.SkillAt(b)
		for _, x := range sa.Parents {
			if x == b || slices.Contains(sb.Parents, x) {
				return true
			}
		}
		return slices.Contains(sb.Parents, a)
	}
}

// escoKnown reports whether tax has a skill with a given ESCO id.
func escoKnown(tax *taxonomy.Taxonomy) func(string) bool {
	ids := make(map[string]bool, tax.NumSkills())
	for i := 0; i < tax.NumSkills(); i++ {
		if e := taxonomy.ESCOID(tax.SkillAt(int32(i)).ID); e != "" {
			ids[e] = true
		}
	}
	return func(e string) bool { return ids[e] }
}
