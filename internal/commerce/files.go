package commerce

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Format is a file format for import and export.
type Format string

// The formats.
const (
	CSV   Format = "csv"   // UTF-8, header row, comma-separated; written with a BOM so Excel reads Chinese
	JSONL Format = "jsonl" // one JSON record per line, as the API takes them
	XLSX  Format = "xlsx"  // Excel workbook; the first sheet is read
)

// MaxFileBytes bounds an imported file.
const MaxFileBytes = 32 << 20

// ParseFormat reads a format name or a file name's extension.
func ParseFormat(name string) (Format, error) {
	n := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	if n == "" {
		n = strings.ToLower(name)
	}
	switch n {
	case "csv":
		return CSV, nil
	case "jsonl", "ndjson":
		return JSONL, nil
	case "xlsx", "excel":
		return XLSX, nil
	}
	return "", fmt.Errorf("%w %q: use csv, jsonl or xlsx", ErrBadFormat, name)
}

// shopLocation is the shop's time zone, for times without one in files.
func shopLocation(shop model.Shop) *time.Location {
	if loc, err := time.LoadLocation(shop.Timezone); err == nil && shop.Timezone != "" {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// fileBatch is a batch read from a file, with each child's row.
type fileBatch struct {
	Batch
	kidRows [][]int
}

// ImportFile reads a file of one entity and ingests it as one batch. The
// report's problems name spreadsheet rows and columns (sku_stock, row 7).
func (s *Service) ImportFile(ctx context.Context, shop model.Shop, e Entity, f Format, r io.Reader, applyValid bool) (Report, error) {
	l, ok := layouts[e]
	if !ok {
		return Report{Entity: e, Problems: []Problem{}}, ErrUnknownEntity
	}
	r = io.LimitReader(r, MaxFileBytes+1)
	var fb fileBatch
	var err error
	switch f {
	case JSONL:
		fb, err = readJSONL(r)
	case CSV, XLSX:
		var table [][]string
		if f == CSV {
			table, err = readCSV(r)
		} else {
			table, err = readXLSX(r)
		}
		if err == nil {
			fb, err = l.records(table, shopLocation(shop))
		}
	default:
		err = ErrBadFormat
	}
	if err != nil {
		return Report{Entity: e, Problems: []Problem{}}, err
	}
	fb.Entity, fb.ApplyValid = e, applyValid
	rep, err := s.Ingest(ctx, shop.ID, fb.Batch)
	l.refine(&rep, fb.kidRows)
	return rep, err
}

func readJSONL(r io.Reader) (fileBatch, error) {
	var fb fileBatch
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	line, size := 0, 0
	for sc.Scan() {
		line++
		size += len(sc.Bytes()) + 1
		if size > MaxFileBytes {
			return fb, fmt.Errorf("%w: over %d bytes", ErrBadFile, MaxFileBytes)
		}
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		if len(b) == 0 {
			continue
		}
		fb.Records = append(fb.Records, json.RawMessage(append([]byte(nil), b...)))
		fb.Rows = append(fb.Rows, line)
	}
	if err := sc.Err(); err != nil {
		return fb, fmt.Errorf("%w: line %d: %v", ErrBadFile, line+1, err)
	}
	return fb, nil
}

func readCSV(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	table, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFile, err)
	}
	if len(table) > 0 && len(table[0]) > 0 {
		table[0][0] = strings.TrimPrefix(table[0][0], "\ufeff")
	}
	return table, nil
}

func readXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 8 * MaxFileBytes, UnzipXMLSizeLimit: 4 * MaxFileBytes})
	if err != nil {
		return nil, fmt.Errorf("%w: not an Excel .xlsx workbook: %v", ErrBadFile, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no sheet", ErrBadFile)
	}
	table, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFile, err)
	}
	return table, nil
}

// ExportFile writes every record of an entity in a format and returns how
// many records it wrote.
func (s *Service) ExportFile(ctx context.Context, shop model.Shop, e Entity, f Format, w io.Writer) (int, error) {
	l, ok := layouts[e]
	if !ok {
		return 0, ErrUnknownEntity
	}
	loc, n := shopLocation(shop), 0
	switch f {
	case JSONL:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		err := s.Export(ctx, shop.ID, e, func(rec any) error { n++; return enc.Encode(rec) })
		return n, err
	case CSV:
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return 0, err
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(l.header()); err != nil {
			return 0, err
		}
		err := s.Export(ctx, shop.ID, e, func(rec any) error {
			n++
			rows, err := l.toRows(rec, loc)
			if err != nil {
				return err
			}
			return cw.WriteAll(rows)
		})
		return n, errors.Join(err, cw.Error())
	case XLSX:
		return s.exportXLSX(ctx, shop.ID, e, l, loc, w)
	}
	return 0, ErrBadFormat
}

func (s *Service) exportXLSX(ctx context.Context, shopID int64, e Entity, l layout, loc *time.Location, w io.Writer) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := string(e)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	rowNum, n := 1, 0
	put := func(cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c // always text: ids like 0012 must not become numbers
		}
		cell, _ := excelize.CoordinatesToCellName(1, rowNum)
		rowNum++
		return sw.SetRow(cell, vals)
	}
	if err := put(l.header()); err != nil {
		return 0, err
	}
	err = s.Export(ctx, shopID, e, func(rec any) error {
		n++
		rows, err := l.toRows(rec, loc)
		for _, row := range rows {
			if err == nil {
				err = put(row)
			}
		}
		return err
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, f.Write(w)
}

// refine points the problems of child fields (skus[2].stock) at the child's
// own row and column (row 9, sku_stock).
func (l layout) refine(rep *Report, kidRows [][]int) {
	for i := range rep.Problems {
		p := &rep.Problems[i]
		rest, ok := strings.CutPrefix(p.Field, l.child+"[")
		if l.child == "" || !ok || p.Item >= len(kidRows) {
			continue
		}
		num, field, ok := strings.Cut(rest, "].")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n >= len(kidRows[p.Item]) {
			continue
		}
		p.Row, p.Field = kidRows[p.Item][n], l.kidName(field)
	}
}
