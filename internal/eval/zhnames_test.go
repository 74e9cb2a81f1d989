package eval

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// TestIndependentChineseNames resolves the Chinese names of 600 ESCO skills
// written by an independent writer who never saw the product's tables
// (testdata/zh_skills.tsv, testdata/evalsets.README.md), simplified and
// traditional (Taiwan usage), and reports how many name their own
// concept. The floors are the figures measured when the set arrived
// (2026-12-01): they may rise, and a fall fails.
func TestIndependentChineseNames(t *testing.T) {
	tax := taxonomy.Default()
	f, err := os.Open("testdata/zh_skills.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n, en, zhs, zht int
	resolves := func(text string, want int32) bool {
		r := tax.ResolveSkill(text)
		return len(r) > 0 && r[0].Known() && r[0].Index == want
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if strings.HasPrefix(p[0], "#") || len(p) != 4 {
			continue
		}
		want, ok := tax.SkillBySource(p[0])
		if !ok {
			t.Errorf("%s is not in the taxonomy", p[0])
			continue
		}
		n++
		for _, c := range []struct {
			text  string
			count *int
		}{{p[1], &en}, {p[2], &zhs}, {p[3], &zht}} {
			if resolves(c.text, want) {
				*c.count++
			}
		}
	}
	share := func(k int) float64 { return float64(k) / float64(n) }
	t.Logf("%d skills: English %.3f, simplified Chinese %.3f, traditional Chinese %.3f name their own concept", n, share(en), share(zhs), share(zht))
	if n != 600 || share(en) < 0.99 || share(zhs) < 0.30 || share(zht) < 0.19 {
		t.Errorf("resolution fell: %d skills, English %.3f (floor 0.99), simplified %.3f (0.30), traditional %.3f (0.19)", n, share(en), share(zhs), share(zht))
	}
}
