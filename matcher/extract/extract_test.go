package extract

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func ids(sk []Skill) []string {
	out := make([]string, len(sk))
	for i, s := range sk {
		out[i] = s.ID
	}
	return out
}

func has(sk []Skill, id string) (Skill, bool) {
	for _, s := range sk {
		if s.ID == id {
			return s, true
		}
	}
	return Skill{}, false
}

func TestExtract(t *testing.T) {
	ex := For(taxonomy.Default())
	for _, tc := range []struct {
		name, text string
		want, not  []string
	}{
		{"word boundaries", "We use Google Cloud and golang daily", []string{"go"}, []string{"r"}},
		{"not inside a word", "Gorgeous office in Rome", nil, []string{"go", "r"}},
		{"longest match", "Experience with React Native apps", []string{"react-native"}, []string{"react"}},
		{"longest match zh", "有机器学习算法经验", []string{"machine-learning"}, nil},
		{"version suffix", "Python3 and Vue3", []string{"python", "vue-js"}, nil},
		{"verb react", "You will react to customer feedback quickly.", nil, []string{"react"}},
		{"verb excel", "Candidates who excel at writing.", nil, []string{"excel"}},
		{"season spring", "Spring recruitment 2025: join us!", nil, []string{"spring"}},
		{"slogan go", "Let's go further together.", nil, []string{"go"}},
		{"name with cue", "Three years of Go programming.", []string{"go"}, nil},
		{"name in list", "Java, Spring and MySQL", []string{"java", "spring", "mysql"}, nil},
		{"latin in chinese", "熟悉React和Vue", []string{"react", "vue-js"}, nil},
		{"hyphen compound", "A go-getter with Python skills", []string{"python"}, []string{"go"}},
		{"words across", "knowledge of R or SAS", []string{"r", "sas"}, []string{"ruby-on-rails"}},
		{"zh slogan", "沟通无限，连接未来", nil, []string{"communication-skills"}},
		{"zh skill", "具备良好的沟通能力", []string{"communication-skills"}, nil},
		{"punctuation stops a match", "machine, learning", nil, []string{"machine-learning"}},
		{"dotnet", "Experience with .NET Core", []string{"net"}, nil},
		{"net is not .NET", "Net income grew by 5%", nil, []string{"net"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ex.Extract(tc.text)
			for _, id := range tc.want {
				if _, ok := has(got, id); !ok {
					t.Errorf("Extract(%q) = %v, want %s", tc.text, ids(got), id)
				}
			}
			for _, id := range tc.not {
				if _, ok := has(got, id); ok {
					t.Errorf("Extract(%q) = %v, want no %s", tc.text, ids(got), id)
				}
			}
		})
	}
}

func TestExtractSpanAndESCO(t *testing.T) {
	ex := For(taxonomy.Default())
	text := "熟悉 Python 和机器学习"
	got := ex.Extract(text)
	py, ok := has(got, "python")
	if !ok {
		t.Fatalf("Extract(%q) = %v, want python", text, ids(got))
	}
	if py.Span.Text != "Python" || string([]rune(text)[py.Span.Start:py.Span.End]) != "Python" {
		t.Errorf("python span = %+v, want the code points of \"Python\"", py.Span)
	}
	if py.ESCO != "skill/ccd0a1d9-afda-43d9-b901-96344886e14d" {
		t.Errorf("python esco = %q", py.ESCO)
	}
	for i, s := range got {
		if s.Score <= 0 || s.Score > 1 {
			t.Errorf("%s score %v out of (0, 1]", s.ID, s.Score)
		}
		if i > 0 && got[i-1].Score < s.Score {
			t.Errorf("not ranked best first: %v", got)
		}
	}
}

func TestExtractHostileInput(t *testing.T) {
	ex := For(taxonomy.Default())
	for _, s := range []string{"", "   ", "\xff\xfe Python \xc0", strings.Repeat("Go ", MaxTextBytes), strings.Repeat("机", 50000), "\x00\x01C++\x00"} {
		got := ex.Extract(s)
		for _, sk := range got {
			if !utf8.ValidString(sk.Span.Text) || sk.Span.Start >= sk.Span.End {
				t.Errorf("bad span %+v", sk.Span)
			}
		}
		ex.Literal(s)
	}
}

func TestExtractConcurrent(t *testing.T) {
	ex := For(taxonomy.Default())
	want := ids(ex.Extract("Kubernetes, Docker and Go; 熟悉Java"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := ids(ex.Extract("Kubernetes, Docker and Go; 熟悉Java")); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("concurrent Extract = %v, want %v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestLiteralFindsEverySubstring(t *testing.T) {
	ex := For(taxonomy.Default())
	got := ex.Literal("Gorgeous")
	if _, ok := has(got, "go"); !ok {
		t.Errorf("Literal(Gorgeous) = %v, want go (no word boundaries)", ids(got))
	}
}

func BenchmarkBuild(b *testing.B) {
	tax := taxonomy.Default()
	for b.Loop() {
		New(tax).Build()
	}
}

func BenchmarkExtract(b *testing.B) {
	ex := For(taxonomy.Default())
	ex.Build()
	texts := []string{
		"We are looking for a backend engineer with 3+ years of experience in Go and Python, familiar with Kubernetes, Docker and PostgreSQL. Strong communication skills.",
		"岗位要求：熟悉Java、Spring Boot和MySQL，有微服务架构经验，具备良好的沟通能力和团队合作精神；有机器学习算法经验者优先。",
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ex.Extract(texts[i%2])
	}
}
