package kb

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ImportOptions says how to import a file.
type ImportOptions struct {
	Format string // csv, xlsx or jsonl
	// ApplyValid imports the good rows even when others are bad; by default
	// one bad row rejects the whole file.
	ApplyValid bool
}

// ImportReport says what an import did, row by row.
type ImportReport struct {
	Rows    int        `json:"rows"`
	Created int        `json:"created"`
	Updated int        `json:"updated"`
	Applied bool       `json:"applied"`
	Errors  []rowError `json:"errors"`
}

// maxReportedErrors bounds the report of a very bad file.
const maxReportedErrors = 1000

// Import reads FAQs from a file and upserts them by id (the FAQ key), all in
// one transaction. Rows without a status follow the shop's publishing
// switch.
func (s *Service) Import(ctx context.Context, shopID, actor int64, r io.Reader, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{Errors: []rowError{}}
	shop, err := s.st.GetShop(ctx, shopID)
	if err != nil {
		return rep, err
	}
	loc, err := time.LoadLocation(shop.Timezone)
	if err != nil {
		loc = time.UTC
	}
	rows, err := readFile(r, opts.Format, loc)
	if err != nil {
		return rep, &FieldError{Field: "file", Message: err.Error()}
	}
	set, err := s.Settings(ctx, shopID)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	valid := validateRows(rows, set.PublishImmediately, &rep)
	if len(rep.Errors) > 0 && !opts.ApplyValid || len(valid) == 0 {
		return rep, nil
	}
	cats, err := s.categoryPaths(ctx, shopID, valid)
	if err != nil {
		return rep, err
	}
	live := false
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		rep.Created, rep.Updated = 0, 0
		for _, pr := range valid {
			created, isLive, err := upsertRow(ctx, tx, pr.faq, cats[pr.faq.Category])
			if err != nil {
				return err
			}
			live = live || isLive
			if created {
				rep.Created++
			} else {
				rep.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Applied = true
	if live {
		err = s.changed(ctx, shopID)
	}
	return rep, err
}

// validateRows checks every row and returns the valid ones; problems go to
// the report.
func validateRows(rows []parsedRow, publishByDefault bool, rep *ImportReport) []parsedRow {
	var valid []parsedRow
	keys := map[string]int{}
	bad := func(e rowError) {
		if len(rep.Errors) < maxReportedErrors {
			rep.Errors = append(rep.Errors, e)
		}
	}
	for _, pr := range rows {
		if pr.err != nil {
			bad(*pr.err)
			continue
		}
		f := &pr.faq
		c := model.FAQContent{Question: f.Question, Similar: f.Similar, Answers: canonicalAnswers(f.Answers), Tags: f.Tags,
			ValidFrom: f.ValidFrom, ValidUntil: f.ValidUntil}
		if err := NormalizeContent(&c); err != nil {
			var fe *FieldError
			errors.As(err, &fe)
			bad(rowError{Row: pr.row, Field: fe.Field, Code: "invalid", Message: fe.Message})
			continue
		}
		f.Question, f.Similar, f.Answers, f.Tags = c.Question, c.Similar, c.Answers, c.Tags
		switch f.Status {
		case "":
			f.Status = string(model.FAQDraft)
			if publishByDefault {
				f.Status = string(model.FAQPublished)
			}
		case string(model.FAQDraft), string(model.FAQPublished):
		default:
			bad(rowError{Row: pr.row, Field: "status", Code: "invalid", Message: "status must be draft or published"})
			continue
		}
		if len(f.Key) > 100 || len(f.Category) > 200 {
			bad(rowError{Row: pr.row, Field: "id", Code: "invalid", Message: "id is at most 100 characters and category 200"})
			continue
		}
		if f.Key != "" {
			if first, dup := keys[f.Key]; dup {
				bad(rowError{Row: pr.row, Field: "id", Code: "duplicate", Message: "the same id is on row " + strconv.Itoa(first)})
				continue
			}
			keys[f.Key] = pr.row
		}
		valid = append(valid, pr)
	}
	return valid
}

// upsertRow writes one imported FAQ: an update of the FAQ with its key, or
// a new FAQ.
func upsertRow(ctx context.Context, tx store.KBTx, f fileFAQ, categoryID int64) (created, live bool, err error) {
	c := model.FAQContent{Question: f.Question, Similar: f.Similar, Answers: f.Answers, Tags: f.Tags,
		CategoryID: categoryID, ValidFrom: f.ValidFrom, ValidUntil: f.ValidUntil}
	publish := f.Status == string(model.FAQPublished)
	cur, err := tx.GetFAQByKey(ctx, f.Key)
	if f.Key == "" || errors.Is(err, store.ErrNotFound) {
		nf := model.FAQ{Key: f.Key, Content: c, Status: model.FAQDraft}
		if nf.Key == "" {
			nf.Key = "faq-" + auth.NewToken()[:10]
		}
		if publish {
			nf.Live, nf.Status = &nf.Content, model.FAQPublished
		}
		_, err = tx.CreateFAQ(ctx, nf, "import")
		return true, publish, err
	}
	if err != nil {
		return false, false, err
	}
	wasLive := cur.Live != nil
	nf := cur
	nf.Content, nf.Conflicts = c, nil
	if publish {
		nf.Live, nf.Status = &nf.Content, model.FAQPublished
	} else {
		nf.Live, nf.Status = nil, model.FAQDraft
	}
	_, err = tx.SaveFAQ(ctx, nf, cur.Revision, "import")
	return false, publish || wasLive, err
}

// categoryPaths finds or creates the categories named by paths such as
// "售后 After-sales/退货".
func (s *Service) categoryPaths(ctx context.Context, shopID int64, rows []parsedRow) (map[string]int64, error) {
	cats, err := s.st.ListCategories(ctx, shopID)
	if err != nil {
		return nil, err
	}
	byParent := map[int64]map[string]int64{}
	for _, c := range cats {
		if byParent[c.ParentID] == nil {
			byParent[c.ParentID] = map[string]int64{}
		}
		byParent[c.ParentID][c.Name] = c.ID
	}
	out := map[string]int64{"": 0}
	for _, pr := range rows {
		path := pr.faq.Category
		if _, done := out[path]; done {
			continue
		}
		parent := int64(0)
		for _, name := range strings.Split(path, "/") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			id, ok := byParent[parent][name]
			if !ok {
				c, err := s.st.CreateCategory(ctx, model.Category{ShopID: shopID, ParentID: parent, Name: name})
				if err != nil {
					return nil, err
				}
				id = c.ID
				if byParent[parent] == nil {
					byParent[parent] = map[string]int64{}
				}
				byParent[parent][name] = id
			}
			parent = id
		}
		out[path] = parent
	}
	return out, nil
}

// Export writes every FAQ of the shop (its working copy) in a format, oldest
// first.
func (s *Service) Export(ctx context.Context, shopID int64, w io.Writer, format string) error {
	faqs, err := s.st.ListFAQs(ctx, store.FAQFilter{ShopID: shopID, Limit: -1})
	if err != nil {
		return err
	}
	cats, err := s.st.ListCategories(ctx, shopID)
	if err != nil {
		return err
	}
	sort.Slice(faqs, func(i, j int) bool { return faqs[i].ID < faqs[j].ID })
	out := make([]fileFAQ, 0, len(faqs))
	for _, f := range faqs {
		status := string(model.FAQDraft)
		if f.Live != nil {
			status = string(model.FAQPublished)
		}
		out = append(out, fileFAQ{Key: f.Key, Category: categoryPath(cats, f.Content.CategoryID), Question: f.Content.Question,
			Similar: f.Content.Similar, Answers: canonicalAnswers(f.Content.Answers), Tags: f.Content.Tags, Status: status,
			ValidFrom: f.Content.ValidFrom, ValidUntil: f.Content.ValidUntil})
	}
	return writeFile(w, format, out)
}

// categoryPath names a category by its path from the top.
func categoryPath(cats []model.Category, id int64) string {
	byID := map[int64]model.Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	var parts []string
	for id != 0 && len(parts) < 20 {
		c, ok := byID[id]
		if !ok {
			break
		}
		parts = append([]string{c.Name}, parts...)
		id = c.ParentID
	}
	return strings.Join(parts, "/")
}
