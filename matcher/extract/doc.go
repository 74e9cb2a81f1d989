// Package extract reads skills from free text (a job's description, a
// candidate's summary) in English, Chinese or both.
//
// Every label of every skill of a taxonomy, folded with [taxonomy.Fold], is
// put into one Aho–Corasick automaton (built once per taxonomy, on first
// use). A text is folded the same way, keeping for each folded byte the
// character of the text it came from, and searched for all matches at once.
// A match is kept when:
//
//   - its ends fall on word boundaries where the text is in a script written
//     with spaces (so "go" is not found in "Google", nor "R" in "RPA"); a
//     version number may follow ("Python3", "Vue 3");
//   - it does not run across punctuation that ends a phrase (",", "。", "、");
//   - no longer label overlaps it: of overlapping matches the longest wins
//     ("React Native" over "React", "机器学习算法" over "机器学习"). For Chinese,
//     which is written without spaces, this maximal matching over the
//     taxonomy's vocabulary is the segmentation;
//   - it passes the ambiguity gate when its label is usually not a skill: a
//     technology named by a common word ("React", "Go", "Swift", "Spring",
//     "Excel"), a label of one or two Latin letters ("R", "C", "UI"), a
//     one-word lower-case alias ("design", "cloud") or a Chinese label of two
//     characters or fewer (沟通, 管理). Such a match needs evidence from its
//     context: the way it is written, a neighbouring skill in a list, a cue
//     word ("experience with", "framework", 熟悉, 能力, 语言), Latin text set in
//     Chinese; a verb reading ("react to", "excel at", "go-to") counts
//     against it.
//
// Each skill found is scored in [0, 1] from the length and kind of its label
// and how often it occurs, and reported with its first span in the text.
// [Extractor.Literal] is the baseline the extractor is measured against:
// every label looked up as a substring of the folded text, with no boundary,
// gate or longest-match rule.
package extract
