package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParse(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(strings.Repeat("k", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string // part of the error; empty means success
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Listen != ":8080" || c.DataDir != "./data" || c.BaseURL != "http://localhost:8080" || c.SessionTTL != 168*time.Hour || c.MaxMessage != 5000 {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{name: "env", env: map[string]string{"XIAOER_LISTEN": "127.0.0.1:9000", "XIAOER_DEMO": "true"}, check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:9000" || !c.Demo || c.BaseURL != "http://localhost:9000" {
				t.Errorf("env not applied: %+v", c)
			}
		}},
		{name: "flag beats env", args: []string{"--data-dir", "/x"}, env: map[string]string{"XIAOER_DATA_DIR": "/y"}, check: func(t *testing.T, c Config) {
			if c.DataDir != "/x" {
				t.Errorf("data dir %q", c.DataDir)
			}
		}},
		{name: "secret from file", env: map[string]string{"XIAOER_SECRET_KEY_FILE": secretFile}, check: func(t *testing.T, c Config) {
			if c.SecretKey != strings.Repeat("k", 40) {
				t.Errorf("secret %q", c.SecretKey)
			}
		}},
		{name: "bad listen names the setting", args: []string{"--listen", "nope"}, wantErr: "listen (XIAOER_LISTEN)"},
		{name: "bad duration", env: map[string]string{"XIAOER_SESSION_TTL": "soon"}, wantErr: "session-ttl (XIAOER_SESSION_TTL)"},
		{name: "bad bool", args: []string{"--demo=maybe"}, wantErr: "demo"},
		{name: "bool switch takes no argument", args: []string{"--demo", "--data-dir", "/d"}, check: func(t *testing.T, c Config) {
			if !c.Demo || c.DataDir != "/d" {
				t.Errorf("demo %v data dir %q", c.Demo, c.DataDir)
			}
		}},
		{name: "short secret", env: map[string]string{"XIAOER_SECRET_KEY": "short"}, wantErr: "secret-key"},
		{name: "bad database url", args: []string{"--database-url", "mysql://x"}, wantErr: "database-url"},
		{name: "nats without a shared database", args: []string{"--nats-url", "nats://127.0.0.1:4222"}, wantErr: "nats-url"},
		{name: "bad nats url", args: []string{"--nats-url", "http://x", "--database-url", "postgres://x"}, wantErr: "nats-url"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "log-level"},
		{name: "missing secret file", env: map[string]string{"XIAOER_SECRET_KEY_FILE": "/nonexistent/x"}, wantErr: "XIAOER_SECRET_KEY_FILE"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "nope"},
		{name: "presence timings", env: map[string]string{"XIAOER_PRESENCE_GRACE": "5s"}, args: []string{"--presence-lease", "1m"}, check: func(t *testing.T, c Config) {
			if c.PresenceGrace != 5*time.Second || c.PresenceLease != time.Minute {
				t.Errorf("grace %v lease %v", c.PresenceGrace, c.PresenceLease)
			}
		}},
		{name: "presence grace too short", args: []string{"--presence-grace", "10ms"}, wantErr: "presence-grace (XIAOER_PRESENCE_GRACE)"},
		{name: "bot backlog", args: []string{"--bot-backlog", "50"}, check: func(t *testing.T, c Config) {
			if c.BotBacklog != 50 {
				t.Errorf("bot backlog %d", c.BotBacklog)
			}
		}},
		{name: "bot backlog too small", env: map[string]string{"XIAOER_BOT_BACKLOG": "1"}, wantErr: "bot-backlog (XIAOER_BOT_BACKLOG)"},
		{name: "presence lease too long", args: []string{"--presence-lease", "1h"}, wantErr: "presence-lease (XIAOER_PRESENCE_LEASE)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(flag.NewFlagSet("serve", flag.ContinueOnError), tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestReadmeListsEverySetting keeps the README's configuration table true.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Describe() {
		if !strings.Contains(string(readme), "`"+d[0]+"`") || !strings.Contains(string(readme), "`"+d[1]+"`") {
			t.Errorf("README.md does not list %s / %s", d[0], d[1])
		}
	}
}
