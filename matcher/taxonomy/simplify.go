package taxonomy

import (
	"fmt"
	"sync"
	"unicode"

	"github.com/longbridgeapp/opencc"
)

// The taxonomy's Chinese labels are simplified Chinese in mainland usage.
// Text written in traditional characters, or with Taiwan or Hong Kong
// words (軟體 for 软件, 資料庫 for 数据库, 程式設計 for 编程), is converted
// with OpenCC's dictionaries before it is looked up again: Hong Kong
// variant characters first (OpenCC hk2s, first stage), then Taiwan phrases
// and variants and the traditional-to-simplified phrases and characters
// (OpenCC tw2sp). Only text that holds traditional characters is converted
// (OpenCC t2s changes it): the Taiwan phrase dictionary read over simplified
// text would rewrite mainland words that Taiwan uses in another sense (程序
// is "process" there, 文件 "document"). The dictionaries ship inside the
// opencc module; Default builds them once, at start.
var (
	simplifierOnce sync.Once
	simplifier     *opencc.OpenCC
	detector       *opencc.OpenCC // t2s: changes text that holds traditional characters
	simplifierErr  error
)

func loadSimplifier() (*opencc.OpenCC, error) {
	simplifierOnce.Do(func() {
		t2s, err := opencc.New("t2s")
		if err != nil {
			simplifierErr = fmt.Errorf("taxonomy: opencc t2s: %w", err)
			return
		}
		detector = t2s
		hk, err := opencc.New("hk2s")
		if err != nil {
			simplifierErr = fmt.Errorf("taxonomy: opencc hk2s: %w", err)
			return
		}
		tw, err := opencc.New("tw2sp")
		if err != nil {
			simplifierErr = fmt.Errorf("taxonomy: opencc tw2sp: %w", err)
			return
		}
		if len(hk.DictChains) != 2 || len(tw.DictChains) != 2 {
			simplifierErr = fmt.Errorf("taxonomy: opencc: unexpected conversion chains (hk2s %d, tw2sp %d)", len(hk.DictChains), len(tw.DictChains))
			return
		}
		// hk2s is [HK variants → traditional, traditional → simplified];
		// tw2sp is [TW phrases and variants → traditional, traditional →
		// simplified]. Run the HK variant stage, then all of tw2sp.
		simplifier = &opencc.OpenCC{
			Conversion:  "hk2s+tw2sp",
			Description: "Traditional Chinese (Hong Kong and Taiwan usage) to Simplified Chinese (mainland usage, with phrases)",
			DictChains:  append([]*opencc.Group{hk.DictChains[0]}, tw.DictChains...),
		}
	})
	return simplifier, simplifierErr
}

// ToSimplified converts traditional Chinese (Taiwan or Hong Kong usage) in
// s to simplified Chinese in mainland usage: "軟體開發" → "软件开发",
// "資料庫" → "数据库", "物件導向程式設計" → "面向对象编程", "中關村" → "中关村".
// Text without traditional characters is returned as is (see convert for
// the Taiwan words written in characters both scripts share). If the
// dictionaries cannot be loaded (which a test of this package rules out) s
// is returned unchanged.
func ToSimplified(s string) string {
	if !hasHanRune(s) {
		return s
	}
	cc, err := loadSimplifier()
	if err != nil {
		return s
	}
	if plain, err := detector.Convert(s); err != nil || plain == s {
		return s
	}
	if out, err := cc.Convert(s); err == nil {
		return out
	}
	return s
}

// convert runs the whole conversion over s, simplified text included, and
// reports whether s holds traditional characters. For text without them
// the result is only a guess: Taiwan words written in characters both
// scripts share (人工智慧, 演算法) become mainland ones (人工智能, 算法), but
// mainland words Taiwan uses in another sense change too (程序 → 进程), so
// a caller uses such a result only when it names a known concept.
func convert(s string) (string, bool) {
	if !hasHanRune(s) {
		return s, false
	}
	cc, err := loadSimplifier()
	if err != nil {
		return s, false
	}
	plain, err := detector.Convert(s)
	if err != nil {
		return s, false
	}
	out, err := cc.Convert(s)
	if err != nil {
		return s, false
	}
	return out, plain != s
}

func hasHanRune(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, r := range s[i:] {
				if unicode.Is(unicode.Han, r) {
					return true
				}
			}
			return false
		}
	}
	return false
}
