package kb

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// File formats for import and export.
const (
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatJSONL = "jsonl"
)

// MaxImportRows bounds one import.
const MaxImportRows = 20000

// Bounds on what an Excel file may unpack to: a workbook is a zip, and a
// few megabytes of it can declare gigabytes (excelize allows 16 GB unless
// told otherwise). maxXLSXUnzip is the whole workbook unpacked;
// maxXLSXInMemory the part kept in memory rather than in temporary files.
const (
	maxXLSXUnzip    = 256 << 20
	maxXLSXInMemory = 64 << 20
)

// fileFAQ is one FAQ as files hold it. Category is a path of names
// ("售后 After-sales/退货").
type fileFAQ struct {
	Key        string
	Category   string
	Question   string
	Similar    []string
	Answers    []model.Answer
	Tags       []string
	Status     string
	ValidFrom  time.Time
	ValidUntil time.Time
}

// jsonlFAQ is the JSON lines form: the answer-engine benchmark format
// (id, question, similar, answer) plus what a shop's FAQ has besides, so
// `xiaoer eval --faq` runs on an export as it is.
type jsonlFAQ struct {
	ID         string         `json:"id"`
	Question   string         `json:"question"`
	Similar    []string       `json:"similar"`
	Answer     string         `json:"answer"`
	Answers    []model.Answer `json:"answers,omitempty"`
	Category   string         `json:"category,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Status     string         `json:"status,omitempty"`
	ValidFrom  string         `json:"valid_from,omitempty"`
	ValidUntil string         `json:"valid_until,omitempty"`
}

// sheetColumns are the columns of CSV and Excel files, in order. Similar
// questions and tags are one per line in their cell; answers other than the
// first Chinese and English text go in extra_answers as JSON.
var sheetColumns = []string{"id", "category", "question", "similar", "answer_zh", "answer_en", "extra_answers", "tags", "status", "valid_from", "valid_until"}

// rowError is a problem in one row (1-based, counting the header line).
type rowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// parsedRow is a row read from a file, or the error that stopped it.
type parsedRow struct {
	row int
	faq fileFAQ
	err *rowError
}

// readFile parses an import file into rows. A malformed file (not CSV, not
// Excel, broken header) is an error; problems in one row are per-row.
func readFile(r io.Reader, format string, loc *time.Location) ([]parsedRow, error) {
	switch format {
	case FormatJSONL:
		return readJSONL(r, loc)
	case FormatCSV:
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		records, err := cr.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("not a valid CSV file: %w", err)
		}
		return readSheet(records, loc)
	case FormatXLSX:
		f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxXLSXUnzip, UnzipXMLSizeLimit: maxXLSXInMemory})
		if err != nil {
			return nil, fmt.Errorf("not a valid Excel file: %w", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errors.New("the Excel file has no sheet")
		}
		records, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, fmt.Errorf("reading the Excel sheet: %w", err)
		}
		return readSheet(records, loc)
	}
	return nil, fmt.Errorf("unknown format %q: use csv, xlsx or jsonl", format)
}

func readJSONL(r io.Reader, loc *time.Location) ([]parsedRow, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var out []parsedRow
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if len(out) >= MaxImportRows {
			return nil, fmt.Errorf("more than %d rows", MaxImportRows)
		}
		var j jsonlFAQ
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			out = append(out, parsedRow{row: line, err: &rowError{Row: line, Code: "bad_json", Message: err.Error()}})
			continue
		}
		f := fileFAQ{Key: j.ID, Category: j.Category, Question: j.Question, Similar: j.Similar, Answers: j.Answers, Tags: j.Tags, Status: j.Status}
		if len(f.Answers) == 0 && strings.TrimSpace(j.Answer) != "" {
			f.Answers = []model.Answer{{Type: model.AnswerText, Text: j.Answer}}
		}
		pr := parsedRow{row: line, faq: f}
		pr.faq.ValidFrom, pr.err = parseTime(j.ValidFrom, "valid_from", line, loc)
		if pr.err == nil {
			pr.faq.ValidUntil, pr.err = parseTime(j.ValidUntil, "valid_until", line, loc)
		}
		out = append(out, pr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading JSON lines: %w", err)
	}
	return out, nil
}

func readSheet(records [][]string, loc *time.Location) ([]parsedRow, error) {
	if len(records) == 0 {
		return nil, errors.New("the file is empty: the first row must name the columns")
	}
	col := map[string]int{}
	for i, name := range records[0] {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if name == "answer" {
			name = "answer_zh"
		}
		col[name] = i
	}
	if _, ok := col["question"]; !ok {
		return nil, errors.New("the first row must name the columns and include \"question\"")
	}
	if len(records)-1 > MaxImportRows {
		return nil, fmt.Errorf("more than %d rows", MaxImportRows)
	}
	var out []parsedRow
	for i, rec := range records[1:] {
		row := i + 2
		cell := func(name string) string {
			if j, ok := col[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		pr := parsedRow{row: row}
		pr.faq, pr.err = sheetFAQ(cell, row, loc)
		out = append(out, pr)
	}
	return out, nil
}

func sheetFAQ(cell func(string) string, row int, loc *time.Location) (fileFAQ, *rowError) {
	f := fileFAQ{Key: cell("id"), Category: cell("category"), Question: cell("question"),
		Similar: lines(cell("similar")), Tags: lines(cell("tags")), Status: cell("status")}
	if t := cell("answer_zh"); t != "" {
		f.Answers = append(f.Answers, model.Answer{Type: model.AnswerText, Lang: "zh-CN", Text: t})
	}
	if t := cell("answer_en"); t != "" {
		f.Answers = append(f.Answers, model.Answer{Type: model.AnswerText, Lang: "en", Text: t})
	}
	if extra := cell("extra_answers"); extra != "" {
		var more []model.Answer
		if err := json.Unmarshal([]byte(extra), &more); err != nil {
			return f, &rowError{Row: row, Field: "extra_answers", Code: "bad_json", Message: "extra_answers must be a JSON array of answers"}
		}
		f.Answers = append(f.Answers, more...)
	}
	var err *rowError
	if f.ValidFrom, err = parseTime(cell("valid_from"), "valid_from", row, loc); err != nil {
		return f, err
	}
	f.ValidUntil, err = parseTime(cell("valid_until"), "valid_until", row, loc)
	return f, err
}

// lines splits a cell of one item per line (also accepting "||").
func lines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "||", "\n")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parseTime reads RFC 3339, or "2006-01-02 15:04" / "2006-01-02" in the
// shop's time zone.
func parseTime(s, field string, row int, loc *time.Location) (time.Time, *rowError) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &rowError{Row: row, Field: field, Code: "bad_time", Message: field + " must be a date like 2026-12-31 or RFC 3339"}
}

// canonicalAnswers orders answers as files store them: the first Chinese
// text, the first English text, then the rest in their order. Imports use
// it so that every format round-trips to the same knowledge.
func canonicalAnswers(as []model.Answer) []model.Answer {
	zh, en := -1, -1
	for i, a := range as {
		if a.Type == model.AnswerText && a.Lang == "zh-CN" && zh < 0 {
			zh = i
		} else if a.Type == model.AnswerText && a.Lang == "en" && en < 0 {
			en = i
		}
	}
	out := make([]model.Answer, 0, len(as))
	for _, i := range []int{zh, en} {
		if i >= 0 {
			out = append(out, as[i])
		}
	}
	for i, a := range as {
		if i != zh && i != en {
			out = append(out, a)
		}
	}
	return out
}

// writeFile writes FAQs in a format.
func writeFile(w io.Writer, format string, faqs []fileFAQ) error {
	switch format {
	case FormatJSONL:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, f := range faqs {
			if err := enc.Encode(toJSONL(f)); err != nil {
				return err
			}
		}
		return nil
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(sheetColumns); err != nil {
			return err
		}
		for _, f := range faqs {
			if err := cw.Write(sheetRow(f)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatXLSX:
		x := excelize.NewFile()
		defer x.Close()
		sheet := x.GetSheetName(0)
		if err := x.SetSheetRow(sheet, "A1", &sheetColumns); err != nil {
			return err
		}
		for i, f := range faqs {
			cells := sheetRow(f)
			if err := x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &cells); err != nil {
				return err
			}
		}
		return x.Write(w)
	}
	return fmt.Errorf("unknown format %q: use csv, xlsx or jsonl", format)
}

func toJSONL(f fileFAQ) jsonlFAQ {
	j := jsonlFAQ{ID: f.Key, Question: f.Question, Similar: f.Similar, Answer: firstText(f.Answers, "zh-CN"),
		Answers: f.Answers, Category: f.Category, Tags: f.Tags, Status: f.Status, ValidFrom: formatTime(f.ValidFrom), ValidUntil: formatTime(f.ValidUntil)}
	if j.Similar == nil {
		j.Similar = []string{}
	}
	return j
}

func sheetRow(f fileFAQ) []string {
	as := canonicalAnswers(f.Answers)
	var zh, en string
	if len(as) > 0 && as[0].Type == model.AnswerText && as[0].Lang == "zh-CN" {
		zh, as = as[0].Text, as[1:]
	}
	if len(as) > 0 && as[0].Type == model.AnswerText && as[0].Lang == "en" {
		en, as = as[0].Text, as[1:]
	}
	extra := ""
	if len(as) > 0 {
		b, _ := json.Marshal(as)
		extra = string(b)
	}
	return []string{f.Key, f.Category, f.Question, strings.Join(f.Similar, "\n"), zh, en, extra,
		strings.Join(f.Tags, "\n"), f.Status, formatTime(f.ValidFrom), formatTime(f.ValidUntil)}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
