// Command zhimport copies the name writers' Chinese tables into
// matcher/taxonomy/curated/zh, where the taxonomy generator (../) reads
// them. It checks each table, applies the integration fixes of
// curated/zh/fixes.tsv (rows rewritten after the review because two
// concepts got one name) and writes each table with a header that says who
// wrote it and how it was reviewed.
//
//	go run ./matcher/taxonomy/gen/zhimport -in /path/to/drafts/out
//
// A row still marked "draft" (not yet reviewed) is left out unless -drafts
// is given; a file that is not there yet is skipped.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// tables are the writers' files and what each holds.
var tables = []struct{ file, what string }{
	{"A1_knowledge.tsv", "ESCO knowledge concepts, part 1 of 2"},
	{"A2_knowledge.tsv", "ESCO knowledge concepts, part 2 of 2"},
	{"B1_transversal_cross.tsv", "ESCO transversal and cross-sector skills, part 1 of 2"},
	{"B2_transversal_cross.tsv", "ESCO transversal and cross-sector skills, part 2 of 2"},
	{"C_groups_onet_nace.tsv", "ESCO skill groups, O*NET technology classes (UNSPSC commodities), NACE Rev. 2 divisions and groups"},
}

const header = "#id\ten_label\tzh\tzh_aliases\treview"

func main() {
	in := flag.String("in", "", "folder holding the writers' tables")
	out := flag.String("out", "matcher/taxonomy/curated/zh", "folder of the curated Chinese tables")
	drafts := flag.Bool("drafts", false, "keep rows not yet reviewed")
	flag.Parse()
	if *in == "" {
		log.Fatal("zhimport: -in is required")
	}
	if err := run(*in, *out, *drafts); err != nil {
		log.Fatal(err)
	}
}

type fix struct{ zh, aliases, note string }

func readFixes(path string) (map[string]fix, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]fix{}
	for n, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 4 (id, zh, zh_aliases, note)", path, n+1, len(f))
		}
		m[f[0]] = fix{f[1], f[2], f[3]}
	}
	return m, nil
}

func run(in, out string, drafts bool) error {
	fixes, err := readFixes(filepath.Join(out, "fixes.tsv"))
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, t := range tables {
		b, err := os.ReadFile(filepath.Join(in, t.file))
		if os.IsNotExist(err) {
			log.Printf("%s: not there yet, skipped", t.file)
			continue
		}
		if err != nil {
			return err
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) == 0 || lines[0] != header {
			return fmt.Errorf("%s: first line is not %q", t.file, header)
		}
		var rows []string
		kept, skipped, revised, fixed, trad := 0, 0, 0, 0, 0
		for n, l := range lines[1:] {
			if strings.TrimSpace(l) == "" {
				continue
			}
			f := strings.Split(l, "\t")
			if len(f) != 5 {
				return fmt.Errorf("%s:%d: %d fields, want 5", t.file, n+2, len(f))
			}
			for i := range f {
				f[i] = strings.TrimSpace(f[i])
			}
			id, zh, review := f[0], f[2], f[4]
			if zh == "" || strings.Contains(zh, "|") {
				return fmt.Errorf("%s:%d: zh %q empty or holding '|'", t.file, n+2, zh)
			}
			if review == "draft" && !drafts {
				skipped++
				continue
			}
			if fx, ok := fixes[id]; ok {
				used[id] = true
				fixed++
				f[4] += "; integration: revised " + zh + " (" + fx.note + ")"
				f[2], f[3] = fx.zh, fx.aliases
			}
			if strings.Contains(f[4], "revised") {
				revised++
			}
			// keep short forms that differ from the name and from each other
			var al []string
			seen := map[string]bool{taxonomy.Fold(f[2]): true}
			for _, a := range strings.Split(f[3], "|") {
				if a = strings.TrimSpace(a); a != "" && !seen[taxonomy.Fold(a)] {
					seen[taxonomy.Fold(a)] = true
					al = append(al, a)
				}
			}
			f[3] = strings.Join(al, "|")
			if s := taxonomy.ToSimplified(f[2]); s != f[2] {
				trad++
				log.Printf("%s:%d: %s %q is not a fixed point of the traditional→simplified conversion (%q)", t.file, n+2, id, f[2], s)
			}
			rows = append(rows, strings.Join(f, "\t"))
			kept++
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "# Chinese (simplified) names: %s.\n", t.what)
		sb.WriteString("# Written by a talentmatch name writer from each concept's English label and its place in the\n")
		sb.WriteString("# hierarchy (its broader concepts), the way professionals in mainland China write them, with\n")
		sb.WriteString("# the short forms (缩写) and colloquial names (俗称) people use. Reviewed by a second reading of\n")
		sb.WriteString("# every row against its English label and its broader concepts (sense, GB/T and industry\n")
		sb.WriteString("# terminology, simplified characters, no two concepts with one name); the review column records\n")
		sb.WriteString("# it: \"ok\", or \"revised: <the draft replaced>\"; \"2nd: …\" is a further reading by the writer\n")
		sb.WriteString("# (ok, aliases changed, or revised <name replaced>); \"integration: revised <name> (why)\" marks a\n")
		sb.WriteString("# name changed when the tables were merged (curated/zh/fixes.tsv), because another concept's\n")
		sb.WriteString("# label already was that name. Copied by matcher/taxonomy/gen/zhimport.\n")
		sb.WriteString(header + "\n")
		for _, r := range rows {
			sb.WriteString(r + "\n")
		}
		if err := os.WriteFile(filepath.Join(out, t.file), []byte(sb.String()), 0o644); err != nil {
			return err
		}
		log.Printf("%s: %d rows kept (%d revised in review or integration, %d integration fixes, %d not simplified), %d drafts left out",
			t.file, kept, revised, fixed, trad, skipped)
	}
	for id := range fixes {
		if !used[id] {
			log.Printf("fixes.tsv: %s names no row (yet)", id)
		}
	}
	return nil
}
