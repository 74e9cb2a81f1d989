// Package taxonomy is talentmatch's vocabulary of skills and industries: the
// canonical concepts, every label (English and Chinese) that names them, the
// relations used for partial credit (the skill hierarchy with ESCO's skill
// groups and O*NET's technology classes, siblings, ESCO's skill-to-skill
// relations: see relate.go), and the NACE Rev. 2 tree used for industry
// closeness. Chinese text in traditional characters, Taiwan and Hong Kong
// usage included, is converted to simplified Chinese (ToSimplified, OpenCC's
// dictionaries) when it does not resolve as written.
//
// The data is generated from ESCO, O*NET and NACE Rev. 2 plus the team's
// curated tables (see curated/ and gen/) and embedded into the binary;
// [Default] loads it once. A [Taxonomy] is immutable and safe for concurrent
// use.
package taxonomy
