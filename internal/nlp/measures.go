package nlp

import (
	"fmt"
	"strconv"
	"strings"
)

// bodyMeasures finds heights and weights and converts them to cm and kg.
func bodyMeasures(s string, claim func(string, int, int, string) bool) {
	for _, m := range reHeightFt.FindAllStringSubmatchIndex(s, -1) {
		ft, _ := strconv.Atoi(s[m[2]:m[3]])
		in := 0
		if m[4] >= 0 {
			in, _ = strconv.Atoi(s[m[4]:m[5]])
		}
		if ft >= 3 && ft <= 7 && in < 12 {
			claim(EntityHeight, m[0], m[1], fmt.Sprintf("%.0fcm", float64(ft)*30.48+float64(in)*2.54))
		}
	}
	for _, m := range reHeightZh.FindAllStringSubmatchIndex(s, -1) {
		if cm, ok := heightCM(s, m); ok {
			claim(EntityHeight, m[0], m[1], fmt.Sprintf("%.0fcm", cm))
		}
	}
	for _, m := range reWeight.FindAllStringSubmatchIndex(s, -1) {
		num, unit := group(s, m, 1), group(s, m, 2)
		if num == "" {
			num, unit = group(s, m, 3), group(s, m, 4)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			continue
		}
		var kg float64
		switch {
		case unit == "斤":
			kg = v / 2
		case strings.HasPrefix(unit, "lb") || strings.HasPrefix(unit, "pound"):
			kg = v * 0.4536
		case unit == "":
			// Chinese buyers give weight in jin (half kilograms) more often
			// than not; a bare number above 80 is almost surely jin.
			kg = v
			if v > 80 {
				kg = v / 2
			}
		default:
			kg = v
		}
		if kg >= 2 && kg <= 250 {
			claim(EntityWeight, m[0], m[1], fmt.Sprintf("%gkg", round1(kg)))
		}
	}
}

func heightCM(s string, m []int) (float64, bool) {
	var cm float64
	switch {
	case group(s, m, 1) != "":
		v, _ := strconv.ParseFloat(group(s, m, 1), 64)
		cm = v
		if v < 3 { // 身高1.7 or 身高1.7米
			cm = v * 100
		}
	case group(s, m, 3) != "":
		cm, _ = strconv.ParseFloat(group(s, m, 3), 64)
	case group(s, m, 5) != "": // 1米7, 1米72
		rest := group(s, m, 6)
		v, _ := strconv.ParseFloat(rest, 64)
		if len(rest) == 1 {
			v *= 10
		}
		cm = 100 + v
	case group(s, m, 7) != "":
		v, _ := strconv.ParseFloat(group(s, m, 7), 64)
		cm = v * 100
	}
	return cm, cm >= 50 && cm <= 230
}

// group returns submatch i of match m in s, or "".
func group(s string, m []int, i int) string {
	if 2*i+1 >= len(m) || m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }

func moneyValue(s string, m []int) string {
	cur, num := group(s, m, 1), group(s, m, 2)
	if num == "" {
		num, cur = group(s, m, 3), group(s, m, 4)
	}
	code := "CNY"
	if cur == "$" || cur == "usd" || strings.HasPrefix(cur, "dollar") || cur == "bucks" {
		code = "USD"
	}
	return num + " " + code
}

func sizeValue(s string, m []int) string {
	switch {
	case group(s, m, 1) != "":
		return strings.ToUpper(group(s, m, 1))
	case group(s, m, 2) != "":
		return group(s, m, 2)
	case group(s, m, 3) != "":
		return group(s, m, 3)
	}
	return s[m[0]:m[1]]
}

// chineseNumber reads a small number written in digits or Chinese numerals.
func chineseNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digits := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		if r == '十' {
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
			continue
		}
		cur = digits[r]
	}
	return total + cur
}
