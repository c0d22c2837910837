package nlp

import "math"

// denseScale is the length of the dense part of the classifier's input
// beside the unit-length TF-IDF part: half its squared length, since the
// vectors know English in general and the words know this shop. (0.5–0.7
// did about equally well on the bench sets, 1 a little worse; see
// docs/performance.md.)
const denseScale = 0.7

// denseSpace turns sentence vectors into the classifier's dense input: each
// block of the vector (sentenceVec) made unit length, minus the mean of the
// shop's questions (averaged word vectors share a large common direction
// that tells nothing apart), unit length again; then scaled so that the
// whole has length denseScale × the share of words with a vector.
type denseSpace struct {
	dim  int       // of one block
	mean []float32 // three blocks
}

// minDenseShare is the least share of the words of the shop's questions
// that must have a vector for the classifier to get a dense input.
const minDenseShare = 0.1

// newDenseSpace returns the space of the questions' vectors, or nil when
// fewer than minDenseShare of their words have one: a Chinese shop whose
// questions mention "App" or "QQ" would pay dim weights per FAQ for nothing,
// and the classifier is then purely sparse.
func newDenseSpace(qs []questionText) *denseSpace {
	var mean []float32
	var share float32
	n := 0
	for _, q := range qs {
		share += q.vec.share
		if q.vec.v == nil {
			continue
		}
		if mean == nil {
			mean = make([]float32, len(q.vec.v))
		}
		for k, x := range unitBlocks(append([]float32(nil), q.vec.v...), vectors().dim) {
			mean[k] += x
		}
		n++
	}
	if n == 0 || share < minDenseShare*float32(len(qs)) {
		return nil
	}
	for k := range mean {
		mean[k] /= float32(n)
	}
	return &denseSpace{dim: vectors().dim, mean: mean}
}

// width is the length of the dense input (0 for a nil space).
func (d *denseSpace) width() int {
	if d == nil {
		return 0
	}
	return len(d.mean)
}

// input returns the dense input for a sentence vector, nil when either is
// missing.
func (d *denseSpace) input(sv sentenceVec) []float32 {
	if d == nil || sv.v == nil {
		return nil
	}
	u := unitBlocks(append([]float32(nil), sv.v...), d.dim)
	for k := range u {
		u[k] -= d.mean[k]
	}
	unitBlocks(u, d.dim)
	s := denseScale * sv.share / float32(math.Sqrt(float64(len(u)/d.dim)))
	for k := range u {
		u[k] *= s
	}
	return u
}

// unitBlocks makes each block of dim values of v unit length, in place.
func unitBlocks(v []float32, dim int) []float32 {
	for i := 0; i+dim <= len(v); i += dim {
		unit(v[i : i+dim])
	}
	return v
}

// extend appends the dense input to a sparse vector as features base,
// base+1, …, so that the centroid of an FAQ added by an update covers both
// (withClasses splits them again).
func extend(x sparse, dv []float32, base int) sparse {
	if dv == nil {
		return x
	}
	out := sparse{ids: make([]int32, len(x.ids), len(x.ids)+len(dv)), ws: make([]float32, len(x.ws), len(x.ws)+len(dv))}
	copy(out.ids, x.ids)
	copy(out.ws, x.ws)
	for k, v := range dv {
		out.ids = append(out.ids, int32(base+k))
		out.ws = append(out.ws, v)
	}
	return out
}
