package extract

import (
	"unicode"
	"unicode/utf8"

	"github.com/talentmatch/talentmatch/matcher/taxonomy"
)

// text is a free text decoded into characters and folded like a label, with
// the way back from every folded byte to the character it came from.
type text struct {
	raw   string
	runes []rune
	off   []int   // byte offset of each rune in raw, plus len(raw)
	fold  []byte  // folded text
	src   []int32 // for each byte of fold, the index of its rune
}

// newText folds s one character at a time with taxonomy.Fold, so that the
// text and the labels fold alike (including whatever script conversion Fold
// does) and every folded byte keeps its origin. Invalid UTF-8 is dropped.
func newText(s string) *text {
	t := &text{raw: s}
	t.runes = make([]rune, 0, len(s))
	t.off = make([]int, 0, len(s)+1)
	t.fold = make([]byte, 0, len(s))
	t.src = make([]int32, 0, len(s))
	var buf [utf8.UTFMax]byte
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				continue
			}
		}
		idx := int32(len(t.runes))
		t.runes = append(t.runes, r)
		t.off = append(t.off, i)
		var f string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '#':
			t.fold = append(t.fold, byte(r))
			t.src = append(t.src, idx)
			continue
		case r >= 'A' && r <= 'Z':
			t.fold = append(t.fold, byte(r)+'a'-'A')
			t.src = append(t.src, idx)
			continue
		case r < utf8.RuneSelf:
			continue
		default:
			n := utf8.EncodeRune(buf[:], r)
			f = taxonomy.Fold(string(buf[:n]))
		}
		for j := 0; j < len(f); j++ {
			t.fold = append(t.fold, f[j])
			t.src = append(t.src, idx)
		}
	}
	t.off = append(t.off, len(s))
	return t
}

// span returns the rune range [a, b) a folded byte range [s, e) came from,
// and whether the byte range covers whole folded characters.
func (t *text) span(s, e int) (a, b int, ok bool) {
	a, b = int(t.src[s]), int(t.src[e-1])+1
	if s > 0 && int(t.src[s-1]) == a {
		return a, b, false
	}
	if e < len(t.src) && int(t.src[e]) == b-1 {
		return a, b, false
	}
	return a, b, true
}

// str returns the original text of runes [a, b).
func (t *text) str(a, b int) string { return t.raw[t.off[a]:t.off[b]] }

// spaced reports whether r is a letter or digit of a script written with
// spaces between words (Latin, Cyrillic, Greek...): a match must not end
// next to one.
func spaced(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !unspaced(r)
}

// unspaced reports whether r belongs to a script written without spaces.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}

// joiner reports whether r may sit inside a label written in running text:
// "machine learning", "Node.js", "CI/CD", "front-end".
func joiner(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u3000', '-', '.', '_', '/', '·', '\'', '’', '&', '－', '／', '．', '‧', '・':
		return true
	}
	return false
}

// bounded reports whether runes [a, b) form a whole word or words of t: a
// match may end next to Chinese text, punctuation or a version number, but
// not inside a word.
func (t *text) bounded(a, b int) bool {
	if spaced(t.runes[a]) && a > 0 && spaced(t.runes[a-1]) {
		return false
	}
	last := t.runes[b-1]
	if b < len(t.runes) && spaced(last) && spaced(t.runes[b]) {
		// "Python3", "Vue3.2", "HTML5": digits after a label ending in a
		// letter are its version.
		if !unicode.IsLetter(last) || !unicode.IsDigit(t.runes[b]) {
			return false
		}
		i := b
		for i < len(t.runes) && (unicode.IsDigit(t.runes[i]) || t.runes[i] == '.' && i+1 < len(t.runes) && unicode.IsDigit(t.runes[i+1])) {
			i++
		}
		if i < len(t.runes) && spaced(t.runes[i]) {
			return false
		}
	}
	for i := a + 1; i < b-1; i++ {
		if r := t.runes[i]; !spaced(r) && !unspaced(r) && r != '+' && r != '#' && !joiner(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}
