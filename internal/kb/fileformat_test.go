package kb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestImportRefusesAnExcelBomb: a small .xlsx whose parts declare more
// than maxXLSXUnzip unpacked is refused from its zip directory, before
// anything is inflated, with the file named as the field at fault.
func TestImportRefusesAnExcelBomb(t *testing.T) {
	k := newTestKB(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A raw entry declares its own sizes: 1 GiB unpacked in a few bytes.
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: 2, UncompressedSize64: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte{3, 0}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = k.svc.Import(context.Background(), k.shop, 1, bytes.NewReader(buf.Bytes()), ImportOptions{Format: FormatXLSX})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "file" || !strings.Contains(fe.Message, "unzip size exceeds") {
		t.Fatalf("Import of a 1 GiB workbook = %v, want the file refused for its unpacked size", err)
	}
}
