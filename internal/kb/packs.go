package kb

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"encoding/json"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Pack is one version of an industry answer pack: a set of FAQs the project
// writes and ships with the binary.
type Pack struct {
	ID          string            `json:"id"`
	Version     int               `json:"version"`
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description"`
	FAQs        []PackFAQ         `json:"faqs"`
}

// PackFAQ is one FAQ of a pack; Key is stable across versions.
type PackFAQ struct {
	Key      string         `json:"key"`
	Category string         `json:"category"`
	Question string         `json:"question"`
	Similar  []string       `json:"similar"`
	Answers  []model.Answer `json:"answers"`
	Tags     []string       `json:"tags"`
}

// Content is the FAQ content the pack gives (without a category id).
func (f PackFAQ) Content() model.FAQContent {
	return model.FAQContent{Question: f.Question, Similar: f.Similar, Answers: f.Answers, Tags: f.Tags}
}

// PackLibrary holds every version of every pack.
type PackLibrary struct {
	versions map[string][]Pack // by id, oldest first
}

// LoadPacks reads packs from fsys laid out as <id>/v<version>.json and
// checks each: the id and version match the path, keys are unique and
// every FAQ is valid.
func LoadPacks(fsys fs.FS) (*PackLibrary, error) {
	lib := &PackLibrary{versions: map[string][]Pack{}}
	files, err := fs.Glob(fsys, "*/v*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		p, err := loadPack(fsys, name)
		if err != nil {
			return nil, err
		}
		lib.versions[p.ID] = append(lib.versions[p.ID], p)
	}
	for id, vs := range lib.versions {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
		lib.versions[id] = vs
	}
	return lib, nil
}

func loadPack(fsys fs.FS, name string) (Pack, error) {
	var p Pack
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("kb: pack %s: %w", name, err)
	}
	dir, file := path.Split(name)
	v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(file, "v"), ".json"))
	if err != nil || p.ID != strings.TrimSuffix(dir, "/") || p.Version != v {
		return p, fmt.Errorf("kb: pack %s: id %q version %d do not match the path", name, p.ID, p.Version)
	}
	seen := map[string]bool{}
	for i := range p.FAQs {
		f := &p.FAQs[i]
		if f.Key == "" || seen[f.Key] {
			return p, fmt.Errorf("kb: pack %s: faq %d: empty or repeated key %q", name, i, f.Key)
		}
		seen[f.Key] = true
		c := f.Content()
		if err := NormalizeContent(&c); err != nil {
			return p, fmt.Errorf("kb: pack %s: faq %q: %w", name, f.Key, err)
		}
		f.Question, f.Similar, f.Answers, f.Tags = c.Question, c.Similar, c.Answers, c.Tags
	}
	return p, nil
}

// IDs lists the packs.
func (l *PackLibrary) IDs() []string {
	ids := make([]string, 0, len(l.versions))
	for id := range l.versions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Latest returns a pack's newest version.
func (l *PackLibrary) Latest(id string) (Pack, bool) {
	vs := l.versions[id]
	if len(vs) == 0 {
		return Pack{}, false
	}
	return vs[len(vs)-1], true
}

// Version returns one version of a pack.
func (l *PackLibrary) Version(id string, v int) (Pack, bool) {
	for _, p := range l.versions[id] {
		if p.Version == v {
			return p, true
		}
	}
	return Pack{}, false
}

// packFAQKey is the key a pack FAQ gets in a shop's knowledge base.
func packFAQKey(packID, key string) string { return packID + "/" + key }
