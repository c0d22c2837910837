package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/config"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
)

// TestAnnounce: start-up prints where each face of xiaoer is (workbench,
// console, buyer chat and widget, API, health), then the demo logins and
// key with --demo, or the one-time setup link on an empty install.
func TestAnnounce(t *testing.T) {
	for _, tc := range []struct {
		name string
		demo bool
		want []string
	}{
		{"empty install", false, []string{"/chat/<shop>", "no accounts yet", "http://localhost:9999/setup#"}},
		{"demo", true, []string{"http://localhost:9999/chat/demo", "owner", "xiaomei", "demo API key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{DataDir: t.TempDir(), BaseURL: "http://localhost:9999", Listen: ":9999", Demo: tc.demo, BcryptCost: 4}
			db, err := openStore(t.Context(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			packs, err := kb.BuiltinPacks()
			if err != nil {
				t.Fatal(err)
			}
			knowledge := kb.New(kb.Options{Store: db, Bus: bus.NewLocal(), Packs: packs})
			var out strings.Builder
			if err := announce(t.Context(), cfg, db, knowledge, &out); err != nil {
				t.Fatal(err)
			}
			want := append([]string{"http://localhost:9999/desk", "http://localhost:9999/admin", "http://localhost:9999/widget.js",
				"http://localhost:9999/ws/buyer", "http://localhost:9999/api/v1", "http://localhost:9999/healthz"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("start-up output lacks %q:\n%s", w, out.String())
				}
			}
			if err := announce(t.Context(), cfg, db, knowledge, io.Discard); err != nil {
				t.Fatalf("second start: %v", err)
			}
		})
	}
}
