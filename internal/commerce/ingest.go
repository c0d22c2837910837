package commerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Report says what a batch did: counts, per-record results and the
// problems found. When Applied is false nothing was written.
type Report struct {
	Entity    Entity    `json:"entity"`
	Received  int       `json:"received"`
	Applied   bool      `json:"applied"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Deleted   int       `json:"deleted"`
	Rejected  int       `json:"rejected"`
	Problems  []Problem `json:"problems"`
	Results   []Result  `json:"results,omitempty"`
}

// Result is what happened to one record of a batch.
type Result struct {
	Item    int    `json:"item"`
	Row     int    `json:"row,omitempty"`
	ID      string `json:"id"`
	Outcome string `json:"outcome"` // created, updated, unchanged, deleted or rejected
}

// Batch is a batch of records of one entity as JSON objects.
type Batch struct {
	Entity  Entity
	Records []json.RawMessage
	// ApplyValid applies the valid records of a batch that has invalid
	// ones; by default such a batch is refused whole.
	ApplyValid bool
	// Rows, when the batch came from a file, is each record's first row.
	Rows []int
	// Found holds problems found while reading the file, by record: such
	// a record is invalid whatever its fields say.
	Found map[int][]Problem
}

// entityOps is a kind without its type parameter.
type entityOps interface {
	ingest(ctx context.Context, s *Service, shopID int64, b Batch) (Report, []string, error)
	export(ctx context.Context, st store.Store, shopID int64, emit func(any) error) error
	read(ctx context.Context, st store.Store, shopID int64, id string) (any, error)
}

// Ingest validates a batch and applies it: all of it, or (ApplyValid) its
// valid records, or, when a record is invalid, nothing, returning the report
// with ErrInvalidBatch. The tags of every buyer the batch touched are
// recomputed after it is applied.
func (s *Service) Ingest(ctx context.Context, shopID int64, b Batch) (Report, error) {
	k, ok := kinds[b.Entity]
	if !ok {
		return Report{Entity: b.Entity, Problems: []Problem{}}, ErrUnknownEntity
	}
	switch {
	case len(b.Records) == 0:
		return Report{Entity: b.Entity, Problems: []Problem{}}, ErrEmptyBatch
	case len(b.Records) > s.maxBatch:
		return Report{Entity: b.Entity, Received: len(b.Records), Problems: []Problem{}},
			fmt.Errorf("%w: %d records, at most %d", ErrBatchTooLarge, len(b.Records), s.maxBatch)
	}
	rep, buyers, err := k.ingest(ctx, s, shopID, b)
	if err != nil {
		return rep, err
	}
	if err := s.RefreshTags(ctx, shopID, buyers); err != nil {
		return rep, fmt.Errorf("commerce: refresh tags: %w", err)
	}
	return rep, nil
}

// decodeRecord reads one record strictly: unknown fields and trailing data
// are problems, as are values of the wrong type.
func decodeRecord(raw json.RawMessage, dst any) (field, msg string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("data after the record")
	}
	if err == nil {
		return "", "", true
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field, fmt.Sprintf("%s must be %s", typeErr.Field, typeErr.Type), false
	}
	return "", "not a valid record: " + err.Error(), false
}

func (k kind[T]) ingest(ctx context.Context, s *Service, shopID int64, b Batch) (Report, []string, error) {
	rep := Report{Entity: k.entity, Received: len(b.Records), Problems: []Problem{}}
	recs := make([]T, len(b.Records))
	bad := make([]bool, len(b.Records))
	seen := map[string]int{}
	for i, raw := range b.Records {
		c := &checker{item: i, problems: b.Found[i]}
		if field, msg, ok := decodeRecord(raw, &recs[i]); !ok {
			c.add(field, CodeBadJSON, "%s", msg)
		} else {
			k.check(c, &recs[i])
			key := k.key(recs[i])
			if first, dup := seen[key]; dup && len(c.problems) == 0 {
				c.add("", CodeDuplicate, "the same record as item %d of this batch", first)
			}
			seen[key] = i
		}
		for j := range c.problems {
			if i < len(b.Rows) {
				c.problems[j].Row = b.Rows[i]
			}
		}
		bad[i] = len(c.problems) > 0
		rep.Problems = append(rep.Problems, c.problems...)
	}
	valid := make([]T, 0, len(recs))
	var index []int
	for i, r := range recs {
		if !bad[i] {
			valid = append(valid, r)
			index = append(index, i)
		}
	}
	rep.Rejected = len(recs) - len(valid)
	if rep.Rejected > 0 && !b.ApplyValid {
		return rep, nil, ErrInvalidBatch
	}
	outcomes, err := k.upsert(s.st, ctx, shopID, valid)
	if err != nil {
		return rep, nil, err
	}
	rep.Applied = true
	byItem := map[int]model.Outcome{}
	var buyers []string
	for j, o := range outcomes {
		byItem[index[j]] = o
		buyers = append(buyers, k.buyers(valid[j])...)
		switch o {
		case model.OutcomeCreated:
			rep.Created++
		case model.OutcomeUpdated:
			rep.Updated++
		case model.OutcomeUnchanged:
			rep.Unchanged++
		case model.OutcomeDeleted:
			rep.Deleted++
		}
	}
	for i, r := range recs {
		res := Result{Item: i, ID: k.key(r), Outcome: "rejected"}
		if o, ok := byItem[i]; ok {
			res.Outcome = string(o)
		}
		if i < len(b.Rows) {
			res.Row = b.Rows[i]
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, buyers, nil
}

func (k kind[T]) export(ctx context.Context, st store.Store, shopID int64, emit func(any) error) error {
	page := store.Page{Limit: 500}
	for {
		recs, err := k.list(st, ctx, shopID, page)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := emit(r); err != nil {
				return err
			}
		}
		if len(recs) < page.Limit {
			return nil
		}
		page.After = k.id(recs[len(recs)-1])
	}
}

func (k kind[T]) read(ctx context.Context, st store.Store, shopID int64, id string) (any, error) {
	if k.get == nil {
		return nil, fmt.Errorf("commerce: %s are not read one by one: %w", k.entity, store.ErrNotFound)
	}
	return k.get(st, ctx, shopID, id)
}

// Read returns one record of an entity by the shop's id, for the ingest
// API's read-back.
func (s *Service) Read(ctx context.Context, shopID int64, e Entity, id string) (any, error) {
	k, ok := kinds[e]
	if !ok {
		return nil, ErrUnknownEntity
	}
	return k.read(ctx, s.st, shopID, id)
}

// Export calls emit with every record of an entity, in the order they were
// first stored.
func (s *Service) Export(ctx context.Context, shopID int64, e Entity, emit func(any) error) error {
	k, ok := kinds[e]
	if !ok {
		return ErrUnknownEntity
	}
	return k.export(ctx, s.st, shopID, emit)
}
