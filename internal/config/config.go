// Package config reads xiaoer's settings once, from defaults, flags and
// XIAOER_* environment variables (a flag wins over its variable), and checks
// them before anything starts. Every flag --some-name has the variable
// XIAOER_SOME_NAME; secrets also accept XIAOER_SOME_NAME_FILE.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server.
type Config struct {
	Listen       string        // address to serve HTTP on
	DataDir      string        // where the SQLite database and its backups live
	DatabaseURL  string        // PostgreSQL URL; empty means SQLite in DataDir
	BaseURL      string        // public URL, used in links (setup, invitations, notifications)
	LogLevel     string        // debug, info, warn, error
	LogFormat    string        // text or json
	Demo         bool          // seed the demo shop on an empty database
	SecretKey    string        // signs visitor tokens; generated and kept in the database when empty
	SessionTTL   time.Duration // how long a login lasts
	MaxMessage   int           // longest message, in characters
	FrameRate    int           // frames a socket may send per second (burst twice that)
	TrustProxy   bool          // take the client address from X-Forwarded-For
	ShutdownWait time.Duration // how long graceful shutdown waits for writes and sockets
	BcryptCost   int           // password hashing cost
	NATSURL      string        // NATS server carrying events between nodes; empty for one node
	// PresenceGrace is how long an agent whose last workbench socket
	// closed stays as they were before going offline.
	PresenceGrace time.Duration
	// PresenceLease is how long a node's word that an agent is connected
	// holds without renewal: a dead node's agents go offline after it.
	PresenceLease time.Duration
	// BotBacklog bounds the conversations waiting for the bot on a node.
	BotBacklog int
	// BuyerUploads, ShopUploads and ShopUploadMB bound the images buyers
	// send in chats, an hour: one buyer, and a shop's buyers together.
	BuyerUploads int
	ShopUploads  int
	ShopUploadMB int
	// NotifyAllowPrivate are the private or loopback networks pushes and
	// webhooks may reach; every other internal address is refused.
	NotifyAllowPrivate []netip.Prefix
	// MetricsToken, when set, must come as "Authorization: Bearer …" with
	// every scrape of /metrics, which names shops by id and shows load.
	MetricsToken string
}

// field describes one setting: its flag, default, help and where it goes.
type field struct {
	name, def, help string
	secret          bool
	set             func(c *Config, v string) error
}

// isBool reports whether the setting is a switch: "--demo" alone means true.
func (f field) isBool() bool { return f.def == "true" || f.def == "false" }

// flagValue holds a flag's text until Parse applies it; a bool flag needs
// IsBoolFlag so that "--demo" takes no argument.
type flagValue struct {
	text   string
	isBool bool
}

func (v *flagValue) String() string     { return v.text }
func (v *flagValue) Set(s string) error { v.text = s; return nil }
func (v *flagValue) IsBoolFlag() bool   { return v.isBool }

func fields() []field {
	return []field{
		{"listen", ":8080", "address to serve HTTP on", false, func(c *Config, v string) error { c.Listen = v; return nil }},
		{"data-dir", "./data", "directory for the SQLite database and its backups", false, func(c *Config, v string) error { c.DataDir = v; return nil }},
		{"database-url", "", "PostgreSQL URL (postgres://...); empty uses SQLite in the data directory", true, func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
		{"base-url", "", "public URL of this server, used in links (default http://localhost:<port>)", false, func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return nil }},
		{"log-level", "info", "log level: debug, info, warn or error", false, func(c *Config, v string) error { c.LogLevel = v; return nil }},
		{"log-format", "text", "log format: text or json", false, func(c *Config, v string) error { c.LogFormat = v; return nil }},
		{"demo", "false", "create the demo shop with its logins, data and a month of past conversations on an empty database", false, boolSetter(func(c *Config, b bool) { c.Demo = b })},
		{"secret-key", "", "key that signs visitor tokens (at least 32 characters); generated and kept in the database when empty", true, func(c *Config, v string) error { c.SecretKey = v; return nil }},
		{"session-ttl", "168h", "how long a login lasts", false, durationSetter(func(c *Config, d time.Duration) { c.SessionTTL = d })},
		{"max-message", "5000", "longest message a client may send, in characters", false, intSetter(func(c *Config, n int) { c.MaxMessage = n })},
		{"frame-rate", "20", "frames per second a socket may send (bursts up to twice that)", false, intSetter(func(c *Config, n int) { c.FrameRate = n })},
		{"trust-proxy", "false", "take the client address from X-Forwarded-For (only behind your own proxy)", false, boolSetter(func(c *Config, b bool) { c.TrustProxy = b })},
		{"shutdown-wait", "15s", "how long a graceful shutdown waits for writes and sockets", false, durationSetter(func(c *Config, d time.Duration) { c.ShutdownWait = d })},
		{"bcrypt-cost", "12", "bcrypt cost for passwords (4-31)", false, intSetter(func(c *Config, n int) { c.BcryptCost = n })},
		{"buyer-uploads", "20", "images one buyer may send in chats an hour", false, intSetter(func(c *Config, n int) { c.BuyerUploads = n })},
		{"shop-uploads", "2000", "images the buyers of one shop may send in chats an hour, together", false, intSetter(func(c *Config, n int) { c.ShopUploads = n })},
		{"shop-upload-mb", "2048", "megabytes of images the buyers of one shop may send in chats an hour, together", false, intSetter(func(c *Config, n int) { c.ShopUploadMB = n })},
		{"nats-url", "", "NATS server (nats://host:4222) that carries events between the nodes of a deployment; empty for one node", true, func(c *Config, v string) error { c.NATSURL = v; return nil }},
		{"presence-grace", "30s", "how long an agent whose last workbench socket closed stays online before going offline (a reconnect within it changes nothing)", false, durationSetter(func(c *Config, d time.Duration) { c.PresenceGrace = d })},
		{"presence-lease", "30s", "how long a node's word that an agent is connected lasts unrenewed: a node that dies leaves its agents online at most this long", false, durationSetter(func(c *Config, d time.Duration) { c.PresenceLease = d })},
		{"bot-backlog", "1000", "conversations that may wait for the bot's reply pipeline on this node; beyond it buyers are handed to people (docs/bot.md)", false, intSetter(func(c *Config, n int) { c.BotBacklog = n })},
		{"metrics-token", "", "bearer token that scrapes of /metrics must send (Authorization: Bearer ...); empty leaves /metrics open, for a port only Prometheus reaches", true, func(c *Config, v string) error { c.MetricsToken = v; return nil }},
		{"notify-allow-private", "", "private or loopback networks (CIDR, comma-separated, e.g. 10.0.0.0/8) that notifications and webhooks may reach; empty refuses every internal address", false, prefixSetter(func(c *Config, ps []netip.Prefix) { c.NotifyAllowPrivate = ps })},
	}
}

// prefixSetter parses a comma-separated list of networks; a lone address
// is a network of one.
func prefixSetter(set func(*Config, []netip.Prefix)) func(*Config, string) error {
	return func(c *Config, v string) error {
		var ps []netip.Prefix
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				a, aerr := netip.ParseAddr(part)
				if aerr != nil {
					return fmt.Errorf("%q is not a network (CIDR) or an address", part)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			ps = append(ps, p.Masked())
		}
		set(c, ps)
		return nil
	}
}

// EnvName is the environment variable of a flag: listen → XIAOER_LISTEN.
func EnvName(flagName string) string {
	return "XIAOER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse reads the settings of a sub-command from args and the environment
// (through getenv), applies defaults and validates the result. Errors name
// the setting. Extra flags of the sub-command can be added to fs before.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	var c Config
	values := map[string]*flagValue{}
	for _, f := range fields() {
		values[f.name] = &flagValue{isBool: f.isBool()}
		fs.Var(values[f.name], f.name, f.help+" (env "+EnvName(f.name)+", default "+strconv.Quote(f.def)+")")
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, f := range fields() {
		v, source, err := lookup(f, given[f.name], values[f.name].text, getenv)
		if err != nil {
			return c, err
		}
		if err := f.set(&c, v); err != nil {
			return c, fmt.Errorf("config: %s (%s): %w", f.name, source, err)
		}
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// lookup finds a setting's value: the flag, else the variable, else the
// variable's _FILE for secrets, else the default.
func lookup(f field, flagGiven bool, flagValue string, getenv func(string) string) (value, source string, err error) {
	env := EnvName(f.name)
	switch {
	case flagGiven:
		return flagValue, "--" + f.name, nil
	case getenv(env) != "":
		return getenv(env), env, nil
	case f.secret && getenv(env+"_FILE") != "":
		b, err := os.ReadFile(getenv(env + "_FILE"))
		if err != nil {
			return "", "", fmt.Errorf("config: %s_FILE: %w", env, err)
		}
		return strings.TrimSpace(string(b)), env + "_FILE", nil
	}
	return f.def, "default", nil
}

// Validate checks each setting and the settings together. The error names
// the setting at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("config: %s (%s): %s", name, EnvName(name), fmt.Sprintf(format, a...)))
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		bad("listen", "%q is not host:port", c.Listen)
	}
	if c.DataDir == "" {
		bad("data-dir", "must not be empty")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("database-url", "must start with postgres://")
	}
	if c.BaseURL == "" {
		_, port, _ := net.SplitHostPort(c.Listen)
		c.BaseURL = "http://localhost:" + port
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base-url", "%q is not an http(s) URL", c.BaseURL)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		bad("log-level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "%q is not text or json", c.LogFormat)
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		bad("secret-key", "must be at least 32 characters")
	}
	if c.SessionTTL < time.Minute {
		bad("session-ttl", "must be at least 1m")
	}
	if c.MaxMessage < 1 || c.MaxMessage > 100000 {
		bad("max-message", "must be between 1 and 100000")
	}
	if c.FrameRate < 1 {
		bad("frame-rate", "must be at least 1")
	}
	if c.BuyerUploads < 1 {
		bad("buyer-uploads", "must be at least 1")
	}
	if c.ShopUploads < c.BuyerUploads {
		bad("shop-uploads", "must be at least buyer-uploads (%d)", c.BuyerUploads)
	}
	if c.ShopUploadMB < 5 {
		bad("shop-upload-mb", "must be at least 5 (one image)")
	}
	if c.ShutdownWait <= 0 {
		bad("shutdown-wait", "must be positive")
	}
	if c.NATSURL != "" && !strings.HasPrefix(c.NATSURL, "nats://") && !strings.HasPrefix(c.NATSURL, "tls://") {
		bad("nats-url", "must start with nats:// or tls://")
	}
	if c.NATSURL != "" && c.DatabaseURL == "" {
		bad("nats-url", "several nodes need a shared database: set database-url (PostgreSQL) too")
	}
	if c.PresenceGrace < time.Second || c.PresenceGrace > time.Hour {
		bad("presence-grace", "must be between 1s and 1h")
	}
	if c.PresenceLease < 2*time.Second || c.PresenceLease > 10*time.Minute {
		bad("presence-lease", "must be between 2s and 10m")
	}
	if c.BotBacklog < 10 || c.BotBacklog > 1000000 {
		bad("bot-backlog", "must be between 10 and 1000000")
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		bad("bcrypt-cost", "must be between 4 and 31")
	}
	return errors.Join(errs...)
}

// DatabasePath is the SQLite file inside the data directory.
func (c *Config) DatabasePath() string { return filepath.Join(c.DataDir, "xiaoer.db") }

// LogLevelValue is the parsed log level.
func (c *Config) LogLevelValue() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	return lvl
}

// Describe lists every setting with its flag, variable, default and help,
// for the README and `xiaoer serve -h`.
func Describe() [][4]string {
	var out [][4]string
	for _, f := range fields() {
		out = append(out, [4]string{"--" + f.name, EnvName(f.name), f.def, f.help})
	}
	return out
}

func boolSetter(set func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		set(c, b)
		return nil
	}
}

func intSetter(set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		set(c, n)
		return nil
	}
}

func durationSetter(set func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 30s or 2h", v)
		}
		set(c, d)
		return nil
	}
}
