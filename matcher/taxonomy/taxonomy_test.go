package taxonomy

import (
	"reflect"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Python", "python"},
		{"  PYTHON  ", "python"},
		{"Ｐｙｔｈｏｎ", "python"}, // full-width
		{"Py-thon", "python"},
		{"C++", "c++"},
		{"Ｃ＋＋", "c++"},
		{"C#", "c#"},
		{"机器 学习", "机器学习"},
		{"机器学习。", "机器学习"},
		{"Node.js", "nodejs"},
		{"!!!", ""},
	}
	for _, tc := range tests {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{"  Quantum   Widget-Design! ": "quantum widget design", "Ｃ＋＋": "c++"} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultLoads(t *testing.T) {
	tax := Default()
	if tax.NumSkills() < 20000 || tax.NumIndustries() < 1000 || tax.NumSkillLabels() < 50000 {
		t.Fatalf("taxonomy has %d skills, %d labels, %d industries; want the full ESCO/O*NET/NACE build",
			tax.NumSkills(), tax.NumSkillLabels(), tax.NumIndustries())
	}
}

func ids(tax *Taxonomy, refs []Ref) []string {
	var out []string
	for _, r := range refs {
		if r.Known() {
			out = append(out, tax.SkillAt(r.Index).ID)
		} else {
			out = append(out, "?"+r.Key)
		}
	}
	return out
}

func TestResolveSkill(t *testing.T) {
	tax := Default()
	tests := []struct {
		in   string
		want []string
	}{
		{"Python", []string{"python"}},
		{"python3", []string{"python"}},
		{"Python 3.11", []string{"python"}},
		{"Ｐｙｔｈｏｎ", []string{"python"}},
		{"熟悉Python", []string{"python"}},
		{"Golang", []string{"go"}},
		{"Go语言", []string{"go"}},
		{"Go (programming language)", []string{"go"}},
		{"k8s", []string{"kubernetes"}},
		{"机器学习", []string{"machine-learning"}},
		{"Machine Learning", []string{"machine-learning"}},
		{"深度学习", []string{"deep-learning"}},
		{"C/C++", []string{"c", "c++"}},
		{"Python、Go", []string{"python", "go"}},
		{"React.js", []string{"react"}},
		{"ReactJS", []string{"react"}},
		{"Vue3", []string{"vue-js"}},
		{"quantum widget design", []string{"?quantumwidgetdesign"}},
		{"", nil},
		{"   ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := ids(tax, tax.ResolveSkill(tc.in)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ResolveSkill(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestResolveIndustryAndCity(t *testing.T) {
	tax := Default()
	for in, want := range map[string]string{
		"人工智能": "artificial-intelligence", "AI": "artificial-intelligence", "artificial intelligence": "artificial-intelligence",
		"生物医药": "biomedicine", "biomedicine": "biomedicine", "集成电路": "integrated-circuits",
	} {
		refs := tax.ResolveIndustry(in)
		if len(refs) != 1 || !refs[0].Known() || tax.IndustryAt(refs[0].Index).ID != want {
			t.Errorf("ResolveIndustry(%q) = %+v, want %s", in, refs, want)
		}
	}
	for in, want := range map[string]string{"北京": "beijing", "Beijing": "beijing", "北京市": "beijing", "上海": "shanghai", "Atlantis": "atlantis"} {
		if got := tax.ResolveCity(in); got != want {
			t.Errorf("ResolveCity(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRelatedAndCovered(t *testing.T) {
	tax := Default()
	dl, _ := tax.SkillByID("deep-learning")
	pt, _ := tax.SkillByID("pytorch")
	ml, _ := tax.SkillByID("machine-learning")
	credit := func(rs []Related, i int32) float64 {
		for _, r := range rs {
			if r.Index == i {
				return r.Credit
			}
		}
		return 0
	}
	if c := credit(tax.RelatedSkills(dl), pt); c != CreditNarrower {
		t.Errorf("PyTorch covers deep learning with %v, want %v", c, CreditNarrower)
	}
	if c := credit(tax.RelatedSkills(dl), ml); c != CreditBroader {
		t.Errorf("machine learning covers deep learning with %v, want %v", c, CreditBroader)
	}
	if c := credit(tax.CoveredSkills(pt), dl); c != CreditNarrower {
		t.Errorf("CoveredSkills(PyTorch) gives deep learning %v, want %v", c, CreditNarrower)
	}
}

func TestCloseness(t *testing.T) {
	tax := Default()
	ind := func(id string) int32 {
		i, ok := tax.IndustryByID(id)
		if !ok {
			t.Fatalf("no industry %s", id)
		}
		return i
	}
	tests := []struct {
		a, b string
		want float64
	}{
		{"nace-62.01", "nace-62.01", ClosenessSame},
		{"nace-62.01", "nace-62.02", ClosenessGroup},
		{"nace-62.01", "nace-63.11", ClosenessSection},
		{"nace-62.01", "nace-62", ClosenessDivision},
		{"nace-62.01", "nace-21.20", 0},
	}
	for _, tc := range tests {
		if got := tax.Closeness(ind(tc.a), ind(tc.b)); got != tc.want {
			t.Errorf("Closeness(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestParseRejectsAmbiguousLabels(t *testing.T) {
	_, err := Parse(strings.NewReader("S\ta\tA\t\tfoo\nS\tb\tB\t\tFOO\n"))
	if err == nil || !strings.Contains(err.Error(), "claimed twice") {
		t.Fatalf("got %v, want an error about a label claimed twice", err)
	}
	_, err = Parse(strings.NewReader("S\ta\tA\tnope\ta\n"))
	if err == nil {
		t.Fatal("unknown parent accepted")
	}
}
