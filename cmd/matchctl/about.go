package main

import (
	"context"
	"fmt"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

func runAbout(_ context.Context, _ []string) error {
	tax := taxonomy.Default()
	fmt.Printf("talentmatch matchctl\ntaxonomy: %d skills (%d labels), %d industries\n\n%s\n", tax.NumSkills(), tax.NumSkillLabels(), tax.NumIndustries(), taxonomy.Attribution)
	return nil
}
