// Command xiaoer is the whole of xiaoer (店小二) in one binary: the server,
// database migrations, accounts, backups and the answer-engine evaluation.
//
//	xiaoer serve --demo      run with the demo shop
//	xiaoer migrate           bring the database schema up to date
//	xiaoer user create ...   make an account (and bind it to a shop)
//	xiaoer backup            copy the SQLite database while it runs
//	xiaoer import/export     move shop data in and out as files
//	xiaoer bench             measure the realtime core
//	xiaoer eval ...          score the answer engine on FAQ and query files
//	xiaoer version           print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "xiaoer:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `xiaoer (店小二): self-hosted intelligent customer service for e-commerce shops.

Usage:
  xiaoer serve [--demo] [flags]   run the server (xiaoer serve -h lists every setting)
  xiaoer migrate [--status]       apply pending database migrations
  xiaoer user create|reset-password [flags]
  xiaoer backup [--out FILE]      consistent copy of the SQLite database, also while serving
  xiaoer import --shop S --entity E --file F [--apply-valid]
  xiaoer export --shop S --entity E --out F   shop data as CSV, JSON lines or Excel (docs/integration.md)
  xiaoer bench [flags]            measure acked messages/s, ack latency and idle-socket memory
  xiaoer eval --faq F --queries Q [--json]
  xiaoer eval intents --queries Q [--json]
  xiaoer version
`

// run is the whole program: it reads nothing global, so tests call it
// with their own arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout)
	case "user":
		return runUser(ctx, rest, getenv, stdout)
	case "backup":
		return runBackup(ctx, rest, getenv, stdout)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "eval":
		return runEval(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdout)
	case "export":
		return runExport(ctx, rest, getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "xiaoer", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}
