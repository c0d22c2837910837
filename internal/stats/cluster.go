package stats

import (
	"sort"

	"github.com/xiaoer-cs/xiaoer/internal/nlp"
)

// joinAt is how close (cosine) a question must be to a group's centroid to
// join it. A centroid gathers what its questions share, so a paraphrase
// sits closer to it than to any one member; unrelated questions mostly stay
// under 0.1 (TestGroupingRecovers prints purity and recall).
const joinAt = 0.16

// refinePasses is how often every question is moved to its nearest group
// after the first pass, which depends on the order questions come in.
const refinePasses = 3

// point is one distinct question text with how often it was asked.
type point struct {
	vec    nlp.Vector
	weight float64
}

// cluster groups points by meaning: one pass puts each point (most asked
// first) into the nearest group if it is close enough, else into a new
// group, then passes of nearest-centroid reassignment settle the groups.
// It returns groups of point indexes, largest weight first.
func cluster(points []point) [][]int {
	order := make([]int, len(points))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return points[order[a]].weight > points[order[b]].weight })
	assign := make([]int, len(points))
	var sumsOf []*nlp.Sum
	var cents []nlp.Vector
	for _, i := range order {
		best, bi := nearest(points[i].vec, cents)
		if best < joinAt {
			bi = len(cents)
			sumsOf = append(sumsOf, &nlp.Sum{})
			cents = append(cents, nlp.Vector{})
		}
		assign[i] = bi
		sumsOf[bi].Add(points[i].vec, points[i].weight)
		cents[bi] = sumsOf[bi].Vector()
	}
	for range refinePasses {
		next := make([]int, len(points))
		moved := false
		for _, i := range order {
			best, bi := nearest(points[i].vec, cents)
			if best < joinAt {
				bi = assign[i] // nothing close enough: stay
			}
			next[i] = bi
			moved = moved || bi != assign[i]
		}
		assign = next
		cents = centroids(points, assign, len(cents))
		if !moved {
			break
		}
	}
	return groupsOf(points, assign, len(cents))
}

// nearest is the most similar centroid and its index (-1 when none).
func nearest(v nlp.Vector, cents []nlp.Vector) (float64, int) {
	best, bi := -1.0, -1
	for j, c := range cents {
		if c.Empty() {
			continue
		}
		if sim := nlp.Cosine(v, c); sim > best {
			best, bi = sim, j
		}
	}
	return best, bi
}

func centroids(points []point, assign []int, k int) []nlp.Vector {
	sums := make([]nlp.Sum, k)
	for i, p := range points {
		sums[assign[i]].Add(p.vec, p.weight)
	}
	out := make([]nlp.Vector, k)
	for j := range sums {
		out[j] = sums[j].Vector()
	}
	return out
}

// groupsOf lists the non-empty groups, heaviest first.
func groupsOf(points []point, assign []int, k int) [][]int {
	groups := make([][]int, k)
	weight := make([]float64, k)
	for i, g := range assign {
		groups[g] = append(groups[g], i)
		weight[g] += points[i].weight
	}
	idx := make([]int, 0, k)
	for j := range groups {
		if len(groups[j]) > 0 {
			idx = append(idx, j)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return weight[idx[a]] > weight[idx[b]] })
	out := make([][]int, len(idx))
	for n, j := range idx {
		out[n] = groups[j]
	}
	return out
}
