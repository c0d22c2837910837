package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/config"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// runMigrate applies pending migrations, or with --status only reports.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	status := fs.Bool("status", false, "only print the schema versions")
	cfg, err := config.Parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if *status {
		db, err := openRaw(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database schema %d, this binary %d\n", v, db.LatestSchema())
		return nil
	}
	db, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database schema is at %d (latest)\n", v)
	return nil
}

// openRaw opens the database without migrating it.
func openRaw(ctx context.Context, cfg config.Config) (*store.DB, error) {
	if cfg.DatabaseURL != "" {
		return store.Open(ctx, store.Options{Driver: "postgres", DSN: cfg.DatabaseURL})
	}
	if _, err := os.Stat(cfg.DatabasePath()); err != nil {
		return nil, fmt.Errorf("no database at %s (data-dir, XIAOER_DATA_DIR): %w", cfg.DatabasePath(), err)
	}
	return store.Open(ctx, store.Options{Driver: "sqlite", DSN: cfg.DatabasePath()})
}

// runBackup writes a consistent copy of the SQLite database, safe while the
// server runs.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	out := fs.String("out", "", "file to write (default <data-dir>/backups/xiaoer-<time>.db)")
	cfg, err := config.Parse(fs, args, getenv)
	if err != nil {
		return err
	}
	db, err := openRaw(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	path := *out
	if path == "" {
		dir := filepath.Join(cfg.DataDir, "backups")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		path = filepath.Join(dir, "xiaoer-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	if err := db.Backup(ctx, path); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "backup written to", path)
	return nil
}

// runUser creates accounts and resets passwords from the command line, for
// operators (and for a lost owner password).
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: xiaoer user create|reset-password [flags]", errUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	username := fs.String("username", "", "username of the new account (create)")
	login := fs.String("login", "", "username, email or phone of the account (reset-password)")
	password := fs.String("password", "", "password; a random one is made and printed when empty")
	shopSlug := fs.String("shop", "", "slug of a shop to bind the new account to (create)")
	role := fs.String("role", auth.RoleAgent, "role in that shop (create)")
	cfg, err := config.Parse(fs, rest, getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer db.Close()
	pw := *password
	if pw == "" {
		pw = auth.NewToken()[:16]
	}
	hash, err := auth.HashPassword(pw, cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("password: %w", err)
	}
	switch sub {
	case "create":
		return createUser(ctx, db, *username, hash, *shopSlug, *role, pw, stdout)
	case "reset-password":
		acct, err := db.GetAccountByLogin(ctx, auth.NormalizeLogin(*login))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("login: no account %q", *login)
		}
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, acct.ID, hash); err != nil {
			return err
		}
		if err := db.DeleteAccountSessions(ctx, acct.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s reset to: %s\n", acct.Username, pw)
		return nil
	}
	return fmt.Errorf("%w: unknown user command %q", errUsage, sub)
}

func createUser(ctx context.Context, db store.Store, username, hash, shopSlug, role, pw string, stdout io.Writer) error {
	if err := auth.CheckUsername(username); err != nil {
		return fmt.Errorf("username: %w", err)
	}
	var shop model.Shop
	if shopSlug != "" {
		var err error
		if shop, err = db.GetShopBySlug(ctx, shopSlug); err != nil {
			return fmt.Errorf("shop %q: %w", shopSlug, err)
		}
		if !auth.IsBuiltinRole(role) {
			if _, err := db.GetRole(ctx, shop.ID, role); err != nil {
				return fmt.Errorf("role %q: %w", role, err)
			}
		}
	}
	acct, err := db.CreateAccount(ctx, model.Account{Username: username, DisplayName: username, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("username %q: %w", username, err)
	}
	if shop.ID != 0 {
		if err := db.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: acct.ID, Role: role}); err != nil {
			return err
		}
		_ = db.AppendAudit(ctx, model.AuditEntry{ShopID: shop.ID, Action: "member.add", Target: username, Detail: "role " + role + " (command line)"})
	}
	fmt.Fprintf(stdout, "account %s (id %d) created with password: %s\n", username, acct.ID, pw)
	return nil
}
