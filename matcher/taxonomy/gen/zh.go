package main

import (
	"fmt"
	"log"
	"path/filepath"
	"sort"
	"strings"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// zhRow is one row of a curated/zh table: the Chinese name and short forms
// of the concept with an ESCO (skill/…, isced-f/…), O*NET (onet/<UNSPSC
// commodity>) or NACE (nace/<code>) id.
type zhRow struct {
	id, en, zh string
	aliases    []string
	review     string
	where      string // file:line
}

// zhNames holds the curated/zh tables.
type zhNames struct {
	rows []zhRow
}

// readZH reads every *.tsv of dir (a missing dir holds none), in name
// order. Columns: id, en_label, zh, zh_aliases, review.
func readZH(dir string) (*zhNames, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	z := &zhNames{}
	seen := map[string]string{}
	for _, f := range files {
		if filepath.Base(f) == "fixes.tsv" {
			continue // applied by zhimport when the tables are copied in
		}
		rows, err := readTSV(f)
		if err != nil {
			return nil, err
		}
		for n, r := range rows {
			row := zhRow{id: r["id"], en: r["en_label"], zh: r["zh"], aliases: split(r["zh_aliases"]), review: r["review"],
				where: fmt.Sprintf("%s row %d", filepath.Base(f), n+1)}
			if row.id == "" || row.zh == "" {
				return nil, fmt.Errorf("%s: id or zh empty", row.where)
			}
			if prev, dup := seen[row.id]; dup {
				return nil, fmt.Errorf("%s: id %s already named in %s", row.where, row.id, prev)
			}
			seen[row.id] = row.where
			z.rows = append(z.rows, row)
		}
	}
	return z, nil
}

// sameNode reports whether industry a is a curated park industry placed on
// the NACE node of a row (code) or of the node its name goes to.
func sameNode(a *concept, code, named string) bool {
	return !strings.HasPrefix(a.id, "nace-") && (a.code == code || a.code == named)
}

// isIndustry reports whether a row names a NACE node.
func (r zhRow) isIndustry() bool { return strings.HasPrefix(r.id, "nace/") }

// claims adds the claims of the rows of one kind ("skill" or "industry") to
// lc: the name at levelZH, the short forms at levelZHAlias.
func (z *zhNames) claims(lc []labelClaim, bySource map[string]int, kind string) ([]labelClaim, error) {
	for _, r := range z.rows {
		if r.isIndustry() != (kind == "industry") {
			continue
		}
		i, ok := bySource[r.id]
		if !ok {
			return nil, fmt.Errorf("%s: no %s concept has id %s (%s)", r.where, kind, r.id, r.en)
		}
		lc = append(lc, labelClaim{i, levelZH, r.zh})
		for _, a := range r.aliases {
			lc = append(lc, labelClaim{i, levelZHAlias, a})
		}
	}
	return lc, nil
}

// check verifies that every Chinese name resolves to its own concept: a
// name that another concept's label takes, or that two concepts share, is
// an error naming the rows (fix them in curated/zh/fixes.tsv and re-import).
// Short forms lost that way are dropped and counted.
func (z *zhNames) check(skills []*concept, skillSrc map[string]int, industries []*concept, indSrc map[string]int) error {
	owner := func(cs []*concept) map[string]int {
		m := map[string]int{}
		for i, c := range cs {
			for _, l := range c.labels {
				m[taxonomy.Fold(l)] = i
			}
		}
		return m
	}
	skillOwner, indOwner := owner(skills), owner(industries)
	// who names which key, among the rows
	named := map[string][]string{}
	for _, r := range z.rows {
		ns := "s:"
		if r.isIndustry() {
			ns = "i:"
		}
		named[ns+taxonomy.Fold(r.zh)] = append(named[ns+taxonomy.Fold(r.zh)], r.id+" "+r.zh)
		for _, a := range r.aliases {
			named[ns+taxonomy.Fold(a)] = append(named[ns+taxonomy.Fold(a)], r.id+" "+a+" (short form)")
		}
	}
	var bad []string
	names, aliases, lost, onNode := 0, 0, 0, 0
	for _, r := range z.rows {
		cs, src, own, ns := skills, skillSrc, skillOwner, "s:"
		if r.isIndustry() {
			cs, src, own, ns = industries, indSrc, indOwner, "i:"
		}
		i := src[r.id]
		names++
		k := taxonomy.Fold(r.zh)
		if j, ok := own[k]; ok && r.isIndustry() && j != i && sameNode(industries[j], strings.TrimPrefix(r.id, "nace/"), industries[i].code) {
			onNode++ // a park industry on the same NACE node has the name: it is that node's industry
		} else if !ok || j != i {
			why := "shared with " + strings.Join(named[ns+k], ", ")
			if ok {
				why = fmt.Sprintf("taken by %s (%s)", cs[j].id, cs[j].label)
			}
			bad = append(bad, fmt.Sprintf("%s: %s %q (%s): %s", r.where, r.id, r.zh, r.en, why))
		}
		for _, a := range r.aliases {
			aliases++
			if j, ok := own[taxonomy.Fold(a)]; !ok || j != i {
				lost++
			}
		}
	}
	log.Printf("curated/zh: %d Chinese names (%d of NACE nodes held by the curated park industry on the node), %d short forms (%d dropped: ambiguous or another concept's label)",
		names, onNode, aliases, lost)
	if len(bad) > 0 {
		return fmt.Errorf("%d Chinese names do not resolve to their own concept:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	return nil
}

// buildRelations reads ESCO's skill-to-skill relations and returns them as
// R records: (skill id, "essential" or "optional", related skill ids),
// sorted. A relation between two ESCO skills that became one concept is
// dropped.
func buildRelations(sharedDir string, cs []*concept, bySource map[string]int) ([][3]string, error) {
	rows, err := readCSV(filepath.Join(sharedDir, "esco_skill_relations.csv"))
	if err != nil {
		return nil, err
	}
	type key struct {
		from int
		kind string
	}
	rel := map[key][]int{}
	for n, r := range rows {
		a, okA := bySource[r["skill_id"]]
		b, okB := bySource[r["related_skill_id"]]
		kind := r["relation_type"]
		if !okA || !okB || (kind != "essential" && kind != "optional") {
			return nil, fmt.Errorf("esco_skill_relations.csv row %d: unknown skill or relation type %q", n+2, kind)
		}
		if a != b {
			rel[key{a, kind}] = appendUnique(rel[key{a, kind}], b)
		}
	}
	var keys []key
	for k := range rel {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(x, y int) bool {
		if keys[x].from != keys[y].from {
			return keys[x].from < keys[y].from
		}
		return keys[x].kind < keys[y].kind
	})
	var out [][3]string
	for _, k := range keys {
		to := rel[k]
		sort.Ints(to)
		ids := make([]string, len(to))
		for i, t := range to {
			ids[i] = cs[t].id
		}
		out = append(out, [3]string{cs[k.from].id, k.kind, strings.Join(ids, "|")})
	}
	return out, nil
}
