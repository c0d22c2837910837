package main

import (
	"io"
	"strings"
	"testing"
)

// TestExportToStdout: standard output has no file name to take the format
// from, so --out - asks for --format, and with it the export is written to
// standard output.
func TestExportToStdout(t *testing.T) {
	dir := t.TempDir()
	export := func(args ...string) error {
		return run(t.Context(), append([]string{"export", "--data-dir", dir}, args...), func(string) string { return "" }, io.Discard, io.Discard)
	}
	err := export("--shop", "demo", "--entity", "orders", "--out", "-")
	if err == nil || !strings.Contains(err.Error(), "--format is required with --out -") {
		t.Fatalf("export --out - without --format = %v, want a usage error naming --format", err)
	}
	// With the format the command gets as far as the shop (none in an
	// empty data directory).
	err = export("--shop", "demo", "--entity", "orders", "--out", "-", "--format", "jsonl")
	if err == nil || strings.Contains(err.Error(), "--format") {
		t.Fatalf("export --out - --format jsonl = %v, want only the missing shop", err)
	}
}
