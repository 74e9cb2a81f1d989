// Package taxonomy is talentmatch's vocabulary of skills and industries: the
// canonical concepts, every label (English and Chinese) that names them, the
// skill hierarchy used for partial credit, and the NACE Rev. 2 tree used for
// industry closeness.
//
// The data is generated from ESCO, O*NET and NACE Rev. 2 plus the team's
// curated tables (see curated/ and gen/) and embedded into the binary;
// [Default] loads it once. A [Taxonomy] is immutable and safe for concurrent
// use.
package taxonomy
