package taxonomy

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode"
)

// readCurated reads a curated table into rows keyed by column name.
func readCurated(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var head []string
	var rows []map[string]string
	for sc.Scan() {
		line := sc.Text()
		if head == nil {
			head = strings.Split(strings.TrimPrefix(line, "#"), "\t")
			continue
		}
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != len(head) {
			t.Fatalf("%s: row %q has %d fields, want %d", path, line, len(f), len(head))
		}
		m := map[string]string{}
		for i, h := range head {
			m[h] = f[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestCuratedSkills checks the curated skill table against the embedded
// taxonomy: every display name and alias, English or Chinese, resolves to
// its own row's concept. It fails when the table changed and the taxonomy
// was not regenerated (make taxonomy).
func TestCuratedSkills(t *testing.T) {
	tax := Default()
	rows := readCurated(t, "curated/skills.tsv")
	withZH := 0
	categories := map[string]int{}
	for _, r := range rows {
		refs := tax.ResolveSkill(r["display"])
		if len(refs) != 1 || !refs[0].Known() {
			t.Errorf("display %q does not resolve to one concept: %+v", r["display"], refs)
			continue
		}
		want := refs[0].Index
		if tax.SkillAt(want).Label != r["display"] {
			t.Errorf("display %q resolves to %q", r["display"], tax.SkillAt(want).Label)
		}
		zh := 0
		for _, col := range []string{"en_aliases", "zh_aliases"} {
			for _, a := range strings.Split(r[col], "|") {
				if a == "" {
					continue
				}
				got := tax.ResolveSkill(a)
				if len(got) != 1 || got[0].Index != want {
					t.Errorf("alias %q of %q resolves to %+v", a, r["display"], got)
				}
				if hasHan(a) {
					zh++
				}
			}
		}
		if zh > 0 {
			withZH++
		}
		categories[r["category"]]++
	}
	if withZH < 500 {
		t.Errorf("%d curated skills have Chinese aliases, want at least 500", withZH)
	}
	for _, c := range []string{"software", "ai", "data", "cloud", "chips", "biomed", "meddev", "manufacturing", "newenergy"} {
		if categories[c] < 20 {
			t.Errorf("category %s has %d skills, want at least 20", c, categories[c])
		}
	}
}

// TestContextIndustries checks that every industry named in the product's
// background (the parks' industries) resolves, in English and Chinese.
func TestContextIndustries(t *testing.T) {
	tax := Default()
	for _, name := range []string{
		"新一代信息技术", "next-generation information technology", "医药健康", "medicine and health",
		"软件和信息服务", "software and information services", "人工智能", "artificial intelligence",
		"科技服务", "technology services", "大数据", "big data", "环保", "environmental protection",
		"人脸识别", "虚拟现实", "virtual reality", "航空", "aircraft", "移动互联网", "mobile internet",
		"物联网", "IoT", "3D打印", "3D printing", "集成电路", "integrated circuits", "生物医药", "biomedicine",
		"电子信息", "electronic information", "通信", "communications", "医疗器械", "medical devices",
		"核工程", "nuclear engineering", "航空航天", "aerospace", "海洋装备", "marine equipment",
		"智能制造", "intelligent manufacturing", "生命科学", "life sciences", "新能源", "new energy",
	} {
		refs := tax.ResolveIndustry(name)
		if len(refs) != 1 || !refs[0].Known() {
			t.Errorf("industry %q does not resolve: %+v", name, refs)
		}
	}
	rows := readCurated(t, "curated/industries.tsv")
	for _, r := range rows {
		for _, a := range append(strings.Split(r["en_aliases"], "|"), strings.Split(r["zh_aliases"], "|")...) {
			if a == "" {
				continue
			}
			if refs := tax.ResolveIndustry(a); len(refs) != 1 || !refs[0].Known() || tax.IndustryAt(refs[0].Index).Code != r["nace_code"] {
				t.Errorf("industry alias %q does not resolve to NACE %s: %+v", a, r["nace_code"], refs)
			}
		}
	}
}
