package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is how much a label can be trusted on its own.
type kind uint8

const (
	// plain labels are skills wherever they stand as whole words.
	plain kind = iota
	// name labels name a technology with a common word or a letter or two:
	// "React", "Go", "Swift", "Spring", "Excel", "R", "UI".
	name
	// common labels are ordinary words that name a skill only in the right
	// context: a one-word lower-case alias ("design", "cloud") or a Chinese
	// label of two characters or fewer (沟通, 管理).
	common
)

// ambiguousNames are technologies whose names are also common English
// words (folded). They are read as skills only with evidence (see gate).
var ambiguousNames = setOf(
	"react", "go", "swift", "spring", "excel", "rust", "ruby", "shell", "unity", "express",
	"flask", "spark", "hive", "chef", "puppet", "salt", "dart", "julia", "node", "access", "hack",
	"curl", "turing", "oracle", "ant", "make", "elm", "crystal", "pig", "storm", "jest", "mocha",
	"karma", "gulp", "grunt", "ember", "meteor", "backbone", "sketch", "apex", "pascal", "logo",
	"scratch", "basic", "processing", "io", "sage", "maple", "zoom", "slack", "teams", "word",
	"outlook", "office", "notion", "confluence", "bamboo", "box", "drive", "chrome", "safari",
	"edge", "opera", "mercury", "airflow", "beam", "presto", "arrow", "prefect", "celery",
	"vault", "packer", "helm", "envoy", "rails", "gin", "echo", "fiber", "iris", "next", "nest",
	"solid", "alpine", "element", "material", "play", "vapor", "ionic", "electron", "blender",
	"maya", "nuke", "substance", "snowflake", "looker", "power", "windows", "torch", "ray",
	"dylan", "euphoria", "occam", "fantom", "gosu", "alice", "clean", "miranda", "self", "joy",
	"icon", "lean", "red", "ring", "racket", "scheme", "flash", "flex", "air", "director", "mono",
	"titanium", "dojo", "prototype", "knockout", "riot", "inferno", "polymer", "lit", "gatsby",
	"hugo", "ghost", "sanity", "prisma", "relay", "apollo", "moment", "request", "fetch",
	"socket", "tornado", "bottle", "pyramid", "falcon", "twisted", "robot", "cucumber", "behave",
	"lettuce", "spock", "chai", "enzyme", "tap", "tape", "insomnia", "kong", "caddy", "squid",
	"varnish", "realm", "titan", "nebula", "chroma", "sphinx", "elastic", "domo", "superset",
	"sentry", "consul", "nomad", "argo", "flux", "drone", "harness", "circle", "octopus",
	"monday", "coda", "miro", "mural", "marvel", "framer", "principle", "origami", "abstract",
	"cinema", "katana", "clarity", "parse", "aurora", "cosmos", "neptune", "spanner", "tiger",
	"janus", "siege", "ava",
)

// Cue words: a skill is often announced by them.
var (
	cuesBefore = setOf(
		"experience", "experienced", "expertise", "expert", "knowledge", "proficient", "proficiency",
		"familiar", "familiarity", "skilled", "skills", "background", "strong", "excellent",
		"good", "solid", "deep", "understanding", "using", "use", "with", "in", "of", "and", "or",
		"writing", "write", "develop", "developing", "build", "building", "master", "mastery",
		"fluent", "fluency", "hands-on", "handson", "required", "plus", "preferred",
	)
	techCuesAfter = setOf(
		"language", "languages", "framework", "frameworks", "programming", "developer",
		"developers", "development", "engineer", "engineers", "engineering", "library",
		"libraries", "sdk", "api", "apis", "stack", "code", "coding", "backend", "frontend",
		"applications", "application", "apps", "app", "services", "microservices", "scripts",
		"scripting", "projects", "experience", "skills", "ecosystem", "toolchain", "runtime",
		"components", "version", "server", "servers", "cluster", "clusters", "jobs", "pipelines",
		"spreadsheets", "macros", "formulas", "pivot", "boot", "cloud", "mvc",
	)
	skillCuesAfter = setOf("skills", "skill", "ability", "abilities", "experience", "expertise", "knowledge", "background", "capabilities")
	// A verb reading of an ambiguous word: "react to", "excel at", "go beyond".
	verbAfter = setOf("to", "at", "in", "on", "up", "out", "with", "for", "quickly", "fast", "ahead", "back", "beyond", "into", "over", "through", "the", "a", "an", "your", "our", "their", "forward", "far", "live", "into")
	// Chinese cues: 熟悉Go、精通React、掌握Spring框架、良好的沟通能力.
	zhBefore = []string{"熟练掌握", "熟练使用", "熟练", "精通", "熟悉", "掌握", "了解", "擅长", "具备", "具有", "使用", "运用", "善于", "良好的", "较强的", "出色的", "优秀的", "扎实的", "丰富的", "一定的", "负责", "从事", "懂", "会", "精於", "熟習", "具備", "擅長", "良好", "較強的", "较强", "出色"}
	zhAfter  = []string{"能力", "技巧", "技能", "经验", "經驗", "开发", "開發", "语言", "語言", "框架", "编程", "編程", "工程师", "工程師", "技术", "技術", "基础", "基礎", "知识", "知識", "背景", "水平", "方面", "相关", "相關"}
	// List separators between skills: "Go、Python", "Java/Spring", "Go and Rust".
	listSeps = setOf(",", "，", "、", "/", "／", ";", "；", "&", "和", "及", "与", "與", "或", "以及", "and", "or", "+", "|", "以及", "(", ")", "（", "）", "as well as", "e.g.", "such as", "including", "like", "例如", "如", "比如", "等")
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// labelKind classifies a label by its original spelling and folded key.
func labelKind(label, key string, isDisplay bool) kind {
	if ambiguousNames[key] {
		return name
	}
	n := utf8.RuneCountInString(key)
	ascii := isASCII(key)
	if ascii && n <= 2 {
		return name
	}
	if !ascii {
		han := 0
		for _, r := range key {
			if unspaced(r) {
				han++
			} else {
				han = -100
			}
		}
		if han > 0 && han <= 2 {
			return common
		}
		return plain
	}
	// One lower-case word that is not the concept's own name: ESCO lists many
	// ("design", "cloud", "current", "board").
	if !isDisplay && isLowerWord(label) {
		return common
	}
	return plain
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLowerWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// context is what the gate looks at around a match.
type context struct {
	t          *text
	a, b       int     // the match's runes
	accepted   []match // matches already accepted, any order
	techInText int     // skills accepted in the text so far
}

// words returns up to n lower-case words (or single punctuation marks) of
// Latin text before (dir < 0) or after (dir > 0) the match.
func (c *context) words(dir, n int) []string {
	var out []string
	i := c.a - 1
	if dir > 0 {
		i = c.b
	}
	for len(out) < n && i >= 0 && i < len(c.t.runes) {
		r := c.t.runes[i]
		switch {
		case unicode.IsSpace(r):
			i += dir
		case spaced(r):
			j := i
			for j >= 0 && j < len(c.t.runes) && (spaced(c.t.runes[j]) || c.t.runes[j] == '-') {
				j += dir
			}
			lo, hi := i, j
			if dir < 0 {
				lo, hi = j+1, i+1
			}
			out = append(out, strings.ToLower(c.t.str(lo, hi)))
			i = j
		default:
			out = append(out, string(r))
			if unspaced(r) {
				return out
			}
			i += dir
		}
	}
	return out
}

// zh returns up to n runes of text before (dir < 0) or after the match.
func (c *context) zh(dir, n int) string {
	if dir < 0 {
		lo := max(0, c.a-n)
		return string(c.t.runes[lo:c.a])
	}
	hi := min(len(c.t.runes), c.b+n)
	return string(c.t.runes[c.b:hi])
}

// inList reports whether an accepted match is next to this one with only a
// list separator between them.
func (c *context) inList() bool {
	for _, m := range c.accepted {
		var gap string
		switch {
		case m.b <= c.a && c.a-m.b <= 12:
			gap = c.t.str(m.b, c.a)
		case m.a >= c.b && m.a-c.b <= 12:
			gap = c.t.str(c.b, m.a)
		default:
			continue
		}
		if listSeps[strings.ToLower(strings.TrimSpace(gap))] {
			return true
		}
	}
	return false
}

// sentenceStart reports whether the match opens a sentence or a line.
func (c *context) sentenceStart() bool {
	for i := c.a - 1; i >= 0; i-- {
		r := c.t.runes[i]
		if unicode.IsSpace(r) && r != '\n' {
			continue
		}
		return strings.ContainsRune(".!?。！？\n:：;；•-*", r)
	}
	return true
}

// evidence scores how strongly the context says that a match of kind k is a
// skill; the gate wants at least 2.
func (c *context) evidence(k kind) int {
	t := c.t
	span := t.str(c.a, c.b)
	before, after := c.words(-1, 3), c.words(1, 2)
	zhB, zhA := c.zh(-1, 4), c.zh(1, 3)
	e := 0
	hanSpan := unspaced(t.runes[c.a])
	if !hanSpan && (c.a > 0 && unspaced(t.runes[c.a-1]) || c.b < len(t.runes) && unspaced(t.runes[c.b])) {
		// Latin text set in Chinese is a technical term: "熟悉React".
		e += 3
	}
	if c.inList() {
		e += 3
	}
	for _, p := range zhBefore {
		if strings.HasSuffix(strings.TrimSpace(zhB), p) {
			e += 2
			break
		}
	}
	for _, s := range zhAfter {
		if strings.HasPrefix(strings.TrimSpace(zhA), s) {
			e += 2
			break
		}
	}
	if hanSpan {
		return e
	}
	next := ""
	if len(after) > 0 {
		next = after[0]
	}
	prev := ""
	if len(before) > 0 {
		prev = before[0]
	}
	switch k {
	case name:
		if techCuesAfter[next] {
			e += 2
		}
		for _, w := range before {
			if cuesBefore[w] && w != "and" && w != "or" && w != "in" && w != "of" && w != "with" && w != "use" && w != "using" {
				e++
				break
			}
		}
		if prev == "with" || prev == "in" || prev == "using" || prev == "use" {
			e++
		}
		if c.techInText >= 2 {
			e++
		}
		upper := strings.ToLower(span) != span
		switch {
		case !upper:
			e--
		case !c.sentenceStart():
			e++
		}
		if n := utf8.RuneCountInString(span); n <= 2 && !upper {
			e -= 3
		}
		if verbAfter[next] {
			if upper && !c.sentenceStart() {
				e--
			} else {
				e -= 3
			}
		}
		if c.b < len(t.runes) && t.runes[c.b] == '-' || c.a > 0 && t.runes[c.a-1] == '-' {
			e -= 2
		}
	case common:
		if skillCuesAfter[next] {
			e += 2
		}
		for _, w := range before {
			if cuesBefore[w] && w != "and" && w != "or" && w != "in" && w != "of" && w != "with" && w != "use" && w != "using" {
				e += 2
				break
			}
		}
		if prev == "in" || prev == "of" {
			e++
		}
	}
	return e
}
