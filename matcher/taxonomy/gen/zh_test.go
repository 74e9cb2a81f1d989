package main

import (
	"strings"
	"testing"
)

// TestZHCheck: the generator refuses Chinese names that another concept's
// label takes or that two concepts share, accepts a NACE node's name held
// by the park industry on that node, and only counts lost short forms.
func TestZHCheck(t *testing.T) {
	tests := []struct {
		name    string
		rows    []zhRow
		labels  [][]string // per skill concept, before the Chinese claims
		wantErr string
	}{
		{"own names", []zhRow{{id: "skill/a", zh: "数据清洗"}, {id: "skill/b", zh: "数据建模", aliases: []string{"建模"}}},
			[][]string{{"data cleansing"}, {"data modelling"}}, ""},
		{"taken by a higher claim", []zhRow{{id: "skill/a", zh: "数据清洗"}},
			[][]string{{"data cleansing"}, {"data cleaning", "数据清洗"}}, `"数据清洗" (): taken by b`},
		{"shared by two rows", []zhRow{{id: "skill/a", zh: "谈判"}, {id: "skill/b", zh: "谈判"}},
			[][]string{{"negotiating"}, {"negotiation"}}, "shared with skill/a 谈判, skill/b 谈判"},
		{"a shared short form is only dropped", []zhRow{{id: "skill/a", zh: "甲", aliases: []string{"简称"}}, {id: "skill/b", zh: "乙", aliases: []string{"简称"}}},
			[][]string{{"a"}, {"b"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cs []*concept
			var lc []labelClaim
			src := map[string]int{}
			for i, ls := range tc.labels {
				id := string(rune('a' + i))
				cs = append(cs, &concept{id: id, label: ls[0]})
				src["skill/"+id] = i
				for n, l := range ls {
					lc = append(lc, labelClaim{i, map[bool]int{true: levelPreferred, false: levelCurated}[n == 0], l})
				}
			}
			for i := range tc.rows {
				tc.rows[i].where = "t.tsv row"
			}
			z := &zhNames{rows: tc.rows}
			lc, err := z.claims(lc, src, "skill")
			if err != nil {
				t.Fatal(err)
			}
			assignLabels(cs, lc)
			err = z.check(cs, src, nil, nil)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("check: %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

func TestZHCheckParkIndustryOnTheNode(t *testing.T) {
	inds := []*concept{{id: "veterinary-activities", label: "veterinary activities", code: "75"}, {id: "nace-75", label: "Veterinary activities", code: "75"}}
	lc := []labelClaim{{0, levelCurated, "兽医服务"}, {1, levelPreferred, "Veterinary activities"}}
	z := &zhNames{rows: []zhRow{{id: "nace/75", zh: "兽医服务", where: "t.tsv row 1"}}}
	src := map[string]int{"nace/75": 1}
	lc, err := z.claims(lc, src, "industry")
	if err != nil {
		t.Fatal(err)
	}
	assignLabels(inds, lc)
	if err := z.check(nil, nil, inds, src); err != nil {
		t.Errorf("a name held by the park industry on the same node was refused: %v", err)
	}
}
