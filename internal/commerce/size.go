package commerce

import "github.com/xiaoer-cs/xiaoer/internal/model"

// Body is what a buyer tells about themselves for size advice; zero means
// not given.
type Body struct {
	HeightCm int
	WeightKg int
	FootMm   int
}

// SizeAdvice is a recommended size. Exact says every measure the buyer gave
// is inside the size's ranges; otherwise the size is the nearest one.
// Alternative, when set, is the neighbouring size that also fits (the buyer
// is between two sizes).
type SizeAdvice struct {
	Size        string `json:"size"`
	Exact       bool   `json:"exact"`
	Alternative string `json:"alternative,omitempty"`
}

// RecommendSize picks a size from a chart (rows from small to large) for a
// body. It returns false when the chart and the body share no measure (a
// shoe chart and only a height). Between two fitting sizes it recommends
// the larger, which a buyer can wear, and names the smaller as the
// alternative.
func RecommendSize(chart []model.SizeRange, b Body) (SizeAdvice, bool) {
	best, bestDist, usable := -1, 0.0, false
	var fitting []int
	for i, r := range chart {
		dist, measured := sizeDistance(r, b)
		if !measured {
			continue
		}
		usable = true
		if dist == 0 {
			fitting = append(fitting, i)
		}
		// Ties go to the later (larger) size.
		if best < 0 || dist <= bestDist {
			best, bestDist = i, dist
		}
	}
	if !usable {
		return SizeAdvice{}, false
	}
	if len(fitting) > 0 {
		adv := SizeAdvice{Size: chart[fitting[len(fitting)-1]].Size, Exact: true}
		if len(fitting) > 1 {
			adv.Alternative = chart[fitting[len(fitting)-2]].Size
		}
		return adv, true
	}
	return SizeAdvice{Size: chart[best].Size}, true
}

// sizeDistance is how far the body is outside a size's ranges, each measure
// in units of its range's width (so centimetres and kilograms weigh alike);
// measured says the size and the body share at least one measure.
func sizeDistance(r model.SizeRange, b Body) (dist float64, measured bool) {
	for _, m := range []struct{ v, lo, hi int }{
		{b.HeightCm, r.HeightMin, r.HeightMax}, {b.WeightKg, r.WeightMin, r.WeightMax}, {b.FootMm, r.FootMin, r.FootMax},
	} {
		if m.v <= 0 || (m.lo == 0 && m.hi == 0) {
			continue
		}
		measured = true
		width := float64(m.hi - m.lo)
		if width <= 0 {
			width = 10
		}
		switch {
		case m.lo > 0 && m.v < m.lo:
			dist += float64(m.lo-m.v) / width
		case m.hi > 0 && m.v > m.hi:
			dist += float64(m.v-m.hi) / width
		}
	}
	return dist, measured
}
