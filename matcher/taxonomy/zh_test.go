package taxonomy

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

// zhTableRow is a row of curated/zh.
type zhTableRow struct {
	id, en, zh string
	aliases    []string
	review     string
}

// readZHTables reads the curated Chinese tables (not fixes.tsv, which
// zhimport has already applied to them).
func readZHTables(t *testing.T) []zhTableRow {
	t.Helper()
	files, err := filepath.Glob("curated/zh/*.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []zhTableRow
	for _, f := range files {
		if filepath.Base(f) == "fixes.tsv" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		header := false
		for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			if strings.HasPrefix(l, "#") {
				header = header || strings.HasPrefix(l, "#id\t")
				continue
			}
			if !header {
				t.Fatalf("%s: row before the #id header", f)
			}
			c := strings.Split(l, "\t")
			if len(c) != 5 {
				t.Fatalf("%s: row %q has %d fields, want 5", f, l, len(c))
			}
			r := zhTableRow{id: c[0], en: c[1], zh: c[2], review: c[4]}
			if c[3] != "" {
				r.aliases = strings.Split(c[3], "|")
			}
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		t.Fatal("no rows in curated/zh")
	}
	return rows
}

// zhOwnIndustry reports whether industry got is the one a row of NACE node
// code names: the node's own concept, the ancestor it is the same as (a
// group named like its division), or the curated park industry on it.
func zhOwnIndustry(tax *Taxonomy, code string, got int32) bool {
	want, ok := tax.IndustryByID("nace-" + strings.ToLower(code))
	if !ok {
		return false
	}
	for c := code; c != ""; c = tax.NACEParent(c) {
		anc, ok := tax.IndustryByID("nace-" + strings.ToLower(c))
		if !ok || !strings.EqualFold(tax.IndustryAt(anc).Label, tax.IndustryAt(want).Label) {
			break
		}
		g := tax.IndustryAt(got)
		if got == anc || (!strings.HasPrefix(g.ID, "nace-") && g.Code == c) {
			return true
		}
	}
	return false
}

// TestChineseNamesResolve checks every row of the curated Chinese tables
// against the embedded taxonomy: its Chinese name resolves to its own
// concept, and nearly all its short forms do too (a short form two
// concepts share, or that another concept's label already is, is dropped
// by the generator). It fails when the tables changed and the taxonomy was
// not regenerated (make taxonomy).
func TestChineseNamesResolve(t *testing.T) {
	tax := Default()
	rows := readZHTables(t)
	aliases, own := 0, 0
	for _, r := range rows {
		if r.review != "ok" && !strings.HasPrefix(r.review, "ok;") && !strings.HasPrefix(r.review, "revised") {
			t.Errorf("%s: review %q records no second reading", r.id, r.review)
		}
		if code, ok := strings.CutPrefix(r.id, "nace/"); ok {
			check := func(s string) bool {
				refs := tax.ResolveIndustry(s)
				return len(refs) == 1 && refs[0].Known() && zhOwnIndustry(tax, code, refs[0].Index)
			}
			if !check(r.zh) {
				t.Errorf("%s (%s): %q resolves to %v", r.id, r.en, r.zh, tax.ResolveIndustry(r.zh))
			}
			for _, a := range r.aliases {
				aliases++
				if check(a) {
					own++
				}
			}
			continue
		}
		want, ok := tax.SkillBySource(r.id)
		if !ok {
			t.Errorf("%s (%s): no concept has this source id", r.id, r.en)
			continue
		}
		check := func(s string) bool {
			refs := tax.ResolveSkill(s)
			return len(refs) == 1 && refs[0].Index == want
		}
		if !check(r.zh) {
			t.Errorf("%s (%s): %q resolves to %v, want %s", r.id, r.en, r.zh, ids(tax, tax.ResolveSkill(r.zh)), tax.SkillAt(want).ID)
		}
		if s := tax.SkillAt(want); hasHan(r.zh) && s.Kind != KindCurated && s.ChineseLabel() != r.zh {
			t.Errorf("%s: ChineseLabel() = %q, want %q", s.ID, s.ChineseLabel(), r.zh)
		}
		for _, a := range r.aliases {
			aliases++
			if check(a) {
				own++
			}
		}
	}
	if float64(own) < 0.9*float64(aliases) {
		t.Errorf("only %d of %d short forms resolve to their own concept", own, aliases)
	}
	t.Logf("%d Chinese names resolve to their own concept; %d of %d short forms do", len(rows), own, aliases)
}

// TestChineseCoverage checks the size of the Chinese vocabulary: at least
// 7,500 concepts named in Chinese, every ESCO skill group and O*NET
// technology class among them.
func TestChineseCoverage(t *testing.T) {
	tax := Default()
	named := 0
	for i := int32(0); i < int32(tax.NumSkills()); i++ {
		s := tax.SkillAt(i)
		zh := false
		for _, l := range s.Labels {
			zh = zh || hasHan(l)
		}
		if zh {
			named++
		} else if s.Kind == KindGroup || s.Kind == KindClass {
			t.Errorf("%s %s (%s) has no Chinese name", s.Kind, s.ID, s.Label)
		}
	}
	inds := 0
	for i := int32(0); i < int32(tax.NumIndustries()); i++ {
		for _, l := range tax.IndustryAt(i).Labels {
			if hasHan(l) {
				inds++
				break
			}
		}
	}
	if named+inds < 7500 {
		t.Errorf("%d skills and %d industries have Chinese names, want at least 7,500 in all", named, inds)
	}
	t.Logf("%d skills and %d industries have Chinese names", named, inds)
}

// TestChineseLabelsAreSimplified checks that every Chinese label is
// simplified Chinese: converting it changes nothing, so that traditional
// input, once converted, can meet it.
func TestChineseLabelsAreSimplified(t *testing.T) {
	tax := Default()
	for i := int32(0); i < int32(tax.NumSkills()); i++ {
		for _, l := range tax.SkillAt(i).Labels {
			if hasHan(l) && ToSimplified(l) != l {
				// the curated table keeps a few traditional spellings on purpose ("軟體開發")
				if refs := tax.ResolveSkill(ToSimplified(l)); len(refs) != 1 || refs[0].Index != i {
					t.Errorf("label %q of %s converts to %q, which resolves to %v", l, tax.SkillAt(i).ID, ToSimplified(l), ids(tax, refs))
				}
			}
		}
	}
}

func TestToSimplified(t *testing.T) {
	tests := []struct{ in, want string }{
		{"軟體開發", "软件开发"}, // Taiwan usage: 軟體 is 软件
		{"資料庫", "数据库"},   // 資料庫 is 数据库
		{"程式設計", "编程"},   // 程式設計 is 编程
		{"物件導向程式設計", "面向对象编程"},
		{"中關村", "中关村"},
		{"海澱", "海淀"},
		{"人工智慧", "人工智慧"},     // no traditional character: converted only when that finds a concept (TestTraditionalResolvesLikeSimplified)
		{"數據庫", "数据库"},       // Hong Kong usage, traditional characters
		{"程序测试软件", "程序测试软件"}, // simplified text is left alone (Taiwan's 程序 is "process")
		{"文件系统", "文件系统"},
		{"Python", "Python"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := ToSimplified(tc.in); got != tc.want {
			t.Errorf("ToSimplified(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTraditionalResolvesLikeSimplified: traditional input, Taiwan and Hong
// Kong usage included, resolves to the concept its simplified form names;
// unknown traditional text keeps the simplified key, so that it still
// equals the same text written in simplified characters.
func TestTraditionalResolvesLikeSimplified(t *testing.T) {
	tax := Default()
	pairs := [][2]string{
		{"軟體開發", "软件开发"},
		{"資料庫", "数据库"},
		{"程式設計", "编程"},
		{"機器學習", "机器学习"},
		{"熟悉機器學習", "机器学习"},
		{"深度學習、資料探勘", "深度学习、数据挖掘"},
		{"積體電路設計", "集成电路设计"},
		{"面向對象開發軟件", "面向对象开发软件"},
		{"演算法", "算法"}, // Taiwan usage in characters both scripts share
		{"程序测试软件", "程序测试软件"},
		{"區塊鏈量子小組件", "区块链量子小组件"}, // unknown either way, same key
	}
	for _, p := range pairs {
		got, want := ids(tax, tax.ResolveSkill(p[0])), ids(tax, tax.ResolveSkill(p[1]))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("ResolveSkill(%q) = %v, want %v as for %q", p[0], got, want, p[1])
		}
	}
	if a, b := ids(tax, tax.ResolveSkill("資料庫")), ids(tax, tax.ResolveSkill("databases")); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("資料庫 resolves to %v, databases to %v", a, b)
	}
	for _, p := range [][2]string{{"人工智慧", "人工智能"}, {"半導體", "半导体"}} {
		got, want := tax.ResolveIndustry(p[0]), tax.ResolveIndustry(p[1])
		if len(got) != 1 || len(want) != 1 || got[0] != want[0] || !want[0].Known() {
			t.Errorf("ResolveIndustry(%q) = %v, want %v as for %q", p[0], got, want, p[1])
		}
	}
	for _, p := range [][2]string{{"臺北", "台北"}, {"北京市海澱區", "北京市海淀区"}, {"中關村", "中关村"}} {
		if got, want := tax.ResolveCity(p[0]), tax.ResolveCity(p[1]); got != want {
			t.Errorf("ResolveCity(%q) = %q, want %q as for %q", p[0], got, want, p[1])
		}
	}
}

// TestGroupsAndClassesResolve: a skill group or O*NET class name resolves
// to its concept, whose members give it partial credit.
func TestGroupsAndClassesResolve(t *testing.T) {
	tax := Default()
	refs := tax.ResolveSkill("面向对象开发软件")
	if len(refs) != 1 || !refs[0].Known() || tax.SkillAt(refs[0].Index).Kind != KindClass {
		t.Fatalf("面向对象开发软件 resolves to %v, want the O*NET class", ids(tax, refs))
	}
	class := refs[0].Index
	py, _ := tax.SkillByID("python")
	found := false
	for _, r := range tax.RelatedSkills(class) {
		if r.Index == py {
			found = r.Credit == CreditNarrower && r.Kind == RelNarrower
		}
	}
	if !found {
		t.Errorf("Python does not cover the class %s with CreditNarrower", tax.SkillAt(class).ID)
	}
	if i, ok := tax.SkillBySource("onet/43232405"); !ok || i != class {
		t.Errorf("SkillBySource(onet/43232405) = %d, %v; want %d", i, ok, class)
	}
	g, ok := tax.SkillBySource("isced-f/0613")
	if !ok || tax.SkillAt(g).Kind != KindGroup {
		t.Fatalf("isced-f/0613 is not a skill group concept")
	}
	if refs := tax.ResolveSkill("软件与应用开发及分析"); len(refs) != 1 || refs[0].Index != g {
		t.Errorf("the group's Chinese name resolves to %v", ids(tax, refs))
	}
}

func BenchmarkToSimplified(b *testing.B) {
	Default() // builds the dictionaries
	for _, s := range []string{"物件導向程式設計", "機器學習", "机器学习", "Python"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ToSimplified(s)
			}
		})
	}
}

func BenchmarkResolveTraditional(b *testing.B) {
	tax := Default()
	for _, s := range []string{"熟悉機器學習", "資料庫", "區塊鏈量子小組件"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tax.ResolveSkill(s)
			}
		})
	}
}

// BenchmarkParse measures what matchd pays at start to load the embedded
// taxonomy (without the conversion dictionaries).
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(embedded))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(zr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildDictionaries measures building the OpenCC dictionaries,
// which Default does once at start.
func BenchmarkBuildDictionaries(b *testing.B) {
	for b.Loop() {
		for _, c := range []string{"hk2s", "tw2sp", "t2s"} {
			if _, err := opencc.New(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
