package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

// TestBench runs `xiaoer bench` small, open and closed loop, against the
// built binary: every message sent is acked and the measures are filled.
func TestBench(t *testing.T) {
	bin := xiaoerBinary(t)
	tests := []struct {
		name string
		idle int
		args []string
	}{
		{"open loop with idle sockets", 20, []string{"--sockets", "4", "--rate", "40"}},
		{"closed loop", 0, []string{"--sockets", "3", "--rate", "0"}},
		{"platform only", 5, []string{"--server", "platform", "--sockets", "3", "--rate", "30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"bench", "--bin", bin, "--duration", "1s", "--settle", "0", "--json",
				"--idle", strconv.Itoa(tt.idle)}, tt.args...)
			if err := run(t.Context(), args, func(string) string { return "" }, &out, &errOut); err != nil {
				t.Fatalf("bench: %v\n%s", err, errOut.String())
			}
			var rep benchReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("report %q: %v", out.String(), err)
			}
			l := rep.Load
			if l == nil || l.Sent == 0 || l.Acked != l.Sent || len(l.Errors) > 0 {
				t.Fatalf("load %+v: want every message sent acked, without errors", l)
			}
			if l.AckedPerSec <= 0 || l.P99Ms <= 0 || l.P99Ms < l.P50Ms || l.ServerRSSMiB <= 0 {
				t.Errorf("load measures not filled: %+v", l)
			}
			if rep.Machine.CPUs == 0 || rep.Machine.Go == "" {
				t.Errorf("machine not described: %+v", rep.Machine)
			}
			if i := rep.Idle; (i == nil) != (tt.idle == 0) || i != nil && (i.Sockets != tt.idle || i.RSSMiB <= 0 || i.Goroutines == 0) {
				t.Errorf("idle measures not filled: %+v", i)
			}
		})
	}
}
