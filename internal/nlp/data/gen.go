//go:build ignore

// gen derives the compact data files embedded by package nlp from
// redistributable sources installed on a Debian machine:
//
//	apt-get install unicode-data        # Unihan_Variants.txt.bz2 (Unicode licence)
//	go mod download github.com/go-ego/gse  # data/dict/zh/s_1.txt (Apache-2.0, from jieba, MIT)
//
// Run from this directory: go run gen.go -gse $(go list -m -f '{{.Dir}}' github.com/go-ego/gse)
package main

import (
	"bufio"
	"compress/bzip2"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	gseDir := flag.String("gse", "", "directory of the github.com/go-ego/gse module")
	unihan := flag.String("unihan", "/usr/share/unicode/Unihan_Variants.txt.bz2", "Unihan variants file")
	minFreq := flag.Int("minfreq", 20, "keep dictionary words at least this frequent")
	flag.Parse()
	if err := genT2S(*unihan, "t2s.txt"); err != nil {
		log.Fatal(err)
	}
	if *gseDir != "" {
		if err := genDict(filepath.Join(*gseDir, "data/dict/zh/s_1.txt"), "zhdict.txt", *minFreq); err != nil {
			log.Fatal(err)
		}
	}
}

// genT2S writes "traditional simplified" rune pairs for CJK unified ideographs
// whose simplified variant is unambiguous (the character is not its own variant).
func genT2S(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(bzip2.NewReader(f))
	var pairs []string
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 || parts[1] != "kSimplifiedVariant" {
			continue
		}
		from := parseCode(parts[0])
		var to []rune
		for _, c := range strings.Fields(parts[2]) {
			to = append(to, parseCode(c))
		}
		if !cjk(from) || len(to) == 0 || !cjk(to[0]) {
			continue
		}
		self := false
		for _, r := range to {
			self = self || r == from
		}
		if !self {
			pairs = append(pairs, string(from)+string(to[0]))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	sort.Strings(pairs)
	return os.WriteFile(dst, []byte(strings.Join(pairs, "\n")+"\n"), 0o644)
}

func parseCode(s string) rune {
	v, _ := strconv.ParseUint(strings.TrimPrefix(s, "U+"), 16, 32)
	return rune(v)
}

func cjk(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

// genDict keeps the frequent words of gse's simplified Chinese dictionary,
// without part-of-speech tags, so the binary carries about 1 MB instead of 32.
func genDict(src, dst string, minFreq int) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		freq, err := strconv.Atoi(fields[1])
		if err != nil || freq < minFreq {
			continue
		}
		fmt.Fprintf(&b, "%s %d\n", fields[0], freq)
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	log.Printf("%d words", n)
	return os.WriteFile(dst, []byte(b.String()), 0o644)
}
