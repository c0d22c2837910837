package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// errBadContrib is returned when a stored contribution does not decode.
var errBadContrib = errors.New("store: bad stats contribution")

// contribVersion starts every encoded contribution, so a later format can
// tell old rows apart. Version 1 had no flags (every entry hourly too).
const contribVersion = 2

// Entry flags.
const flagDailyOnly = 1

// encodeContrib packs what one conversation added to the rollups. It is
// stored for every conversation (a million conversations, a million rows),
// so it is compact: the strings once in a table, then each entry as
// varints (its bucket relative to the first entry's).
func encodeContrib(es []StatsEntry) []byte {
	es = append([]StatsEntry(nil), es...)
	sort.Slice(es, func(i, j int) bool { return es[i].Key.less(es[j].Key) })
	strs := map[string]uint64{}
	var table []string
	index := func(s string) uint64 {
		i, ok := strs[s]
		if !ok {
			i = uint64(len(table))
			strs[s] = i
			table = append(table, s)
		}
		return i
	}
	var body []byte
	var base int64
	if len(es) > 0 {
		base = es[0].Key.Bucket
	}
	for _, e := range es {
		body = binary.AppendVarint(body, e.Key.Bucket-base)
		body = binary.AppendUvarint(body, index(e.Key.Metric))
		body = binary.AppendUvarint(body, index(e.Key.Item))
		body = binary.AppendUvarint(body, index(e.Key.Channel))
		body = binary.AppendVarint(body, e.Key.GroupID)
		body = binary.AppendVarint(body, e.Key.AgentID)
		body = binary.AppendVarint(body, e.N)
		body = binary.AppendVarint(body, e.Total)
		var flags uint64
		if e.DailyOnly {
			flags |= flagDailyOnly
		}
		body = binary.AppendUvarint(body, flags)
	}
	out := []byte{contribVersion}
	out = binary.AppendVarint(out, base)
	out = binary.AppendUvarint(out, uint64(len(table)))
	for _, s := range table {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(es)))
	return append(out, body...)
}

// decodeContrib unpacks encodeContrib's output.
func decodeContrib(b []byte) ([]StatsEntry, error) {
	if len(b) == 0 || (b[0] != 1 && b[0] != contribVersion) {
		return nil, errBadContrib
	}
	version := b[0]
	d := decoder{b: b[1:]}
	base := d.varint()
	table := make([]string, d.uvarint())
	for i := range table {
		n := d.uvarint()
		table[i] = d.str(n)
	}
	str := func() string {
		i := d.uvarint()
		if i >= uint64(len(table)) {
			d.err = errBadContrib
			return ""
		}
		return table[i]
	}
	n := d.uvarint()
	if n > uint64(len(b)) {
		return nil, errBadContrib
	}
	out := make([]StatsEntry, 0, n)
	for range n {
		var e StatsEntry
		e.Key.Bucket = base + d.varint()
		e.Key.Metric, e.Key.Item, e.Key.Channel = str(), str(), str()
		e.Key.GroupID, e.Key.AgentID = d.varint(), d.varint()
		e.N, e.Total = d.varint(), d.varint()
		if version >= 2 {
			e.DailyOnly = d.uvarint()&flagDailyOnly != 0
		}
		out = append(out, e)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", errBadContrib, d.err)
	}
	return out, nil
}

// decoder reads varints and strings, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(n uint64) string {
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errBadContrib
	}
	d.b = nil
}
