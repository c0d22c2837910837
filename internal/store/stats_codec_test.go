package store

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContribCodec(t *testing.T) {
	es := []StatsEntry{
		{Key: StatsKey{Bucket: 480001, Metric: "conv", Channel: "web", GroupID: 3, AgentID: 9}, N: 1},
		{Key: StatsKey{Bucket: 480000, Metric: "faq_volume", Item: "101", Channel: "web"}, N: 2, DailyOnly: true},
		{Key: StatsKey{Bucket: 479999, Metric: "first_bot", Channel: "mobile", GroupID: -1}, N: 1, Total: 1500},
	}
	got, err := decodeContrib(encodeContrib(es))
	if err != nil {
		t.Fatal(err)
	}
	want := []StatsEntry{es[2], es[1], es[0]} // in key order
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("round trip (-want +got):\n%s", d)
	}
	// A version 1 row (before flags): base bucket 100, the strings "conv"
	// and "", one entry (bucket +0, metric 0, item 1, channel 1, group 0,
	// agent 0, n 1, total 0), read as hourly too.
	v1 := binary.AppendVarint([]byte{1}, 100)
	v1 = binary.AppendUvarint(v1, 2)
	v1 = append(binary.AppendUvarint(v1, 4), "conv"...)
	v1 = binary.AppendUvarint(v1, 0)
	v1 = binary.AppendUvarint(v1, 1)
	v1 = binary.AppendVarint(v1, 0)
	for _, idx := range []uint64{0, 1, 1} {
		v1 = binary.AppendUvarint(v1, idx)
	}
	for _, v := range []int64{0, 0, 1, 0} {
		v1 = binary.AppendVarint(v1, v)
	}
	got, err = decodeContrib(v1)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]StatsEntry{{Key: StatsKey{Bucket: 100, Metric: "conv"}, N: 1}}, got); d != "" {
		t.Fatalf("version 1 (-want +got):\n%s", d)
	}
	for _, bad := range [][]byte{nil, {9}, encodeContrib(es)[:5]} {
		if _, err := decodeContrib(bad); err == nil {
			t.Errorf("decodeContrib(%v) accepted a bad row", bad)
		}
	}
}
