package taxonomy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// esco.tsv.gz links skill ids of the embedded taxonomy to ESCO concept ids;
// escogen writes it from the same inputs as gen.
//
//go:embed esco.tsv.gz
var escoEmbedded []byte

var (
	escoOnce sync.Once
	escoByID map[string]string
	escoErr  error
)

// ESCOID returns the ESCO v1.1.1 concept id ("skill/<uuid>", the concept URI
// without http://data.europa.eu/esco/) of the skill with the given id in the
// embedded taxonomy, or "" when the skill has none (a curated skill ESCO does
// not list, or an O*NET technology name). The table is read once. It panics
// if the embedded table is corrupt, which a test of this package rules out.
func ESCOID(skillID string) string {
	escoOnce.Do(func() { escoByID, escoErr = parseESCO(escoEmbedded) })
	if escoErr != nil {
		panic(fmt.Sprintf("taxonomy: embedded ESCO table: %v", escoErr))
	}
	return escoByID[skillID]
}

func parseESCO(gz []byte) (map[string]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, 14000)
	sc := bufio.NewScanner(zr)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		id, esco, ok := strings.Cut(line, "\t")
		if !ok || id == "" || !strings.HasPrefix(esco, "skill/") {
			return nil, fmt.Errorf("line %d: want <skill id> TAB skill/<uuid>", n)
		}
		m[id] = esco
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return m, nil
}
