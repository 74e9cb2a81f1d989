package taxonomy

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the matching key of a label: Unicode NFKC (which maps
// full-width forms to half-width), lower case, and only letters, digits, '+'
// and '#' kept. "Ｐｙｔｈｏｎ", "python " and "Py-thon" fold alike; "C++" and
// "C#" keep their signs. Two labels name the same thing when their keys are
// equal. Fold never returns a string with spaces.
func Fold(s string) string {
	if k, ok := foldASCII(s); ok {
		return k
	}
	// Lower-casing can yield text NFKC changes again ("ǅ" → "ǆ" → "dž"), so
	// the pass runs until it settles (twice in practice).
	k := foldPass(strings.ToValidUTF8(s, ""))
	for i := 0; i < 3; i++ {
		next := foldPass(k)
		if next == k {
			break
		}
		k = next
	}
	return k
}

// foldASCII folds pure-ASCII text, which NFKC leaves alone, in one pass.
func foldASCII(s string) (string, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return "", false
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '#':
			n++
		case c >= 'A' && c <= 'Z':
			n++
		}
	}
	if n == len(s) && !hasUpper(s) {
		return s, true
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '#':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b), true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func foldPass(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '+' || r == '#':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Clean returns a readable normal form of free text: NFKC, lower case,
// punctuation and runs of white space turned into single spaces, trimmed. It
// is the display form of a skill the taxonomy does not know.
func Clean(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '#':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Slug returns an identifier made of a display label: lower-case ASCII
// letters, digits, '+' and '#', with other runs replaced by one '-'.
func Slug(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '#'):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}
