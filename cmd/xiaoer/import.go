package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/config"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// fileMaxBatch is how many records one file may hold from the command
// line: a whole catalogue or order history at once (the API takes
// commerce.DefaultMaxBatch per request).
const fileMaxBatch = 200000

// dataFlags are the flags import and export share.
type dataFlags struct {
	shop, entity, format string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.shop, "shop", "", "slug of the shop whose data it is (required)")
	fs.StringVar(&d.entity, "entity", "", "products, buyers, orders, carts, favourites, coupons or reviews (required)")
	fs.StringVar(&d.format, "format", "", "csv, jsonl or xlsx (default: from the file name)")
}

// open checks the flags and opens the store, the shop and the commerce
// service.
func (d *dataFlags) open(ctx context.Context, cfg config.Config, file string) (*store.DB, model.Shop, commerce.Entity, commerce.Format, *commerce.Service, error) {
	fail := func(err error) (*store.DB, model.Shop, commerce.Entity, commerce.Format, *commerce.Service, error) {
		return nil, model.Shop{}, "", "", nil, err
	}
	e, err := commerce.ParseEntity(d.entity)
	if err != nil {
		return fail(fmt.Errorf("%w: --entity %q: one of products, buyers, orders, carts, favourites, coupons, reviews", errUsage, d.entity))
	}
	name := d.format
	if name == "" && file == "-" {
		return fail(fmt.Errorf("%w: --format is required with --out - (csv, jsonl or xlsx)", errUsage))
	}
	if name == "" {
		name = file
	}
	f, err := commerce.ParseFormat(name)
	if err != nil {
		return fail(fmt.Errorf("%w: --format: %v", errUsage, err))
	}
	if d.shop == "" {
		return fail(fmt.Errorf("%w: --shop is required", errUsage))
	}
	db, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return fail(err)
	}
	shop, err := db.GetShopBySlug(ctx, d.shop)
	if err != nil {
		db.Close()
		return fail(fmt.Errorf("shop %q: %w", d.shop, err))
	}
	return db, shop, e, f, commerce.New(commerce.Options{Store: db, MaxBatch: fileMaxBatch}), nil
}

// runImport reads a CSV, JSON lines or Excel file of one entity into a
// shop, all of it or (--apply-valid) its valid rows, and prints the report.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	file := fs.String("file", "", "the file to read (required)")
	applyValid := fs.Bool("apply-valid", false, "apply the valid rows of a file that has bad ones (default: apply nothing)")
	cfg, err := config.Parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%w: --file is required", errUsage)
	}
	db, shop, e, f, svc, err := d.open(ctx, cfg, *file)
	if err != nil {
		return err
	}
	defer db.Close()
	in, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer in.Close()
	rep, err := svc.ImportFile(ctx, shop, e, f, in, *applyValid)
	printReport(stdout, *file, rep)
	if errors.Is(err, commerce.ErrInvalidBatch) {
		return fmt.Errorf("%s: %d of %d records are invalid; nothing was imported (--apply-valid imports the others)",
			*file, rep.Rejected, rep.Received)
	}
	return err
}

// printReport prints the counts and, row by row, what is wrong.
func printReport(w io.Writer, file string, rep commerce.Report) {
	fmt.Fprintf(w, "%s: %d %s read: %d created, %d updated, %d unchanged, %d deleted, %d rejected\n", file,
		rep.Received, rep.Entity, rep.Created, rep.Updated, rep.Unchanged, rep.Deleted, rep.Rejected)
	for i, p := range rep.Problems {
		if i == 100 {
			fmt.Fprintf(w, "  ... and %d more problems\n", len(rep.Problems)-i)
			break
		}
		where := fmt.Sprintf("record %d", p.Item+1)
		if p.Row > 0 {
			where = fmt.Sprintf("row %d", p.Row)
		}
		fmt.Fprintf(w, "  %s, %s: %s (%s)\n", where, p.Field, p.Message, p.Code)
	}
}

// runExport writes every record of one entity of a shop to a file (or to
// standard output with --out -).
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	out := fs.String("out", "", "the file to write, or - for standard output (required)")
	cfg, err := config.Parse(fs, args, getenv)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	db, shop, e, f, svc, err := d.open(ctx, cfg, *out)
	if err != nil {
		return err
	}
	defer db.Close()
	if *out == "-" {
		_, err := svc.ExportFile(ctx, shop, e, f, stdout)
		return err
	}
	file, err := os.Create(*out)
	if err != nil {
		return err
	}
	n, err := svc.ExportFile(ctx, shop, e, f, file)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d %s written to %s\n", n, e, *out)
	return nil
}
