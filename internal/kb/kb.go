// Package kb is the shop's knowledge base: FAQ categories, FAQs with drafts,
// publishing, validity and history, the shop's synonyms and intent
// examples, the bot's switches, industry answer packs, import and export,
// and one live answer engine per shop built from what is published.
package kb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Service.
type Options struct {
	Store   store.Store
	Bus     bus.Broker
	Engines *Engines
	Packs   *PackLibrary // the built-in answer packs; none when nil
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service manages shops' knowledge.
type Service struct {
	st      store.Store
	bus     bus.Broker
	engines *Engines
	packs   *PackLibrary
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Engines == nil {
		opts.Engines = NewEngines(opts.Store, opts.Logger, opts.Now)
	}
	if opts.Packs == nil {
		opts.Packs = &PackLibrary{}
	}
	return &Service{st: opts.Store, bus: opts.Bus, engines: opts.Engines, packs: opts.Packs, log: opts.Logger, now: opts.Now}
}

// Engines returns the per-shop engines.
func (s *Service) Engines() *Engines { return s.engines }

// Input is what a merchant saves: a FAQ's content, optionally its key, and
// whether to publish it at once.
type Input struct {
	Key     string
	Content model.FAQContent
	Publish bool
}

// Warning is a problem worth a look that does not stop a save.
type Warning struct {
	Code       string `json:"code"` // duplicate, similar_conflict
	Message    string `json:"message"`
	Question   string `json:"question,omitempty"`
	OtherFAQID int64  `json:"other_faq_id,omitempty"`
	OtherKey   string `json:"other_key,omitempty"`
}

// ErrStale is returned when a FAQ was changed since the caller read it.
var ErrStale = store.ErrStale

// Create adds a FAQ, as a draft unless published at once.
func (s *Service) Create(ctx context.Context, shopID, actor int64, in Input) (model.FAQ, []Warning, error) {
	if err := s.normalize(ctx, shopID, &in); err != nil {
		return model.FAQ{}, nil, err
	}
	publish, err := s.publishNow(ctx, shopID, in.Publish)
	if err != nil {
		return model.FAQ{}, nil, err
	}
	f := model.FAQ{Key: in.Key, Content: in.Content, Status: model.FAQDraft}
	if f.Key == "" {
		f.Key = "faq-" + auth.NewToken()[:10]
	}
	if publish {
		f.Live, f.Status = &f.Content, model.FAQPublished
	}
	warnings := s.warnings(ctx, shopID, 0, in.Content)
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		var err error
		f, err = tx.CreateFAQ(ctx, f, "create")
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return f, nil, &FieldError{Field: "key", Message: fmt.Sprintf("a FAQ with key %q exists", in.Key)}
	}
	if err != nil {
		return f, nil, err
	}
	if publish {
		err = s.changed(ctx, shopID)
	}
	return f, warnings, err
}

// Update saves a FAQ's working copy when it is still at revision (else
// ErrStale). A published FAQ keeps answering with its live copy until the
// edit is published.
func (s *Service) Update(ctx context.Context, shopID, actor, id int64, revision int, in Input) (model.FAQ, []Warning, error) {
	if err := s.normalize(ctx, shopID, &in); err != nil {
		return model.FAQ{}, nil, err
	}
	publish, err := s.publishNow(ctx, shopID, in.Publish)
	if err != nil {
		return model.FAQ{}, nil, err
	}
	var f model.FAQ
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		cur, err := tx.GetFAQ(ctx, id)
		if err != nil {
			return err
		}
		f = cur
		f.Content, f.Conflicts = in.Content, nil
		if in.Key != "" {
			f.Key = in.Key
		}
		f.Status = statusAfterEdit(cur, publish)
		if publish {
			f.Live = &f.Content
		}
		f, err = tx.SaveFAQ(ctx, f, revision, "update")
		return err
	})
	if err != nil {
		return f, nil, err
	}
	warnings := s.warnings(ctx, shopID, id, in.Content)
	if publish {
		err = s.changed(ctx, shopID)
	}
	return f, warnings, err
}

func statusAfterEdit(cur model.FAQ, publish bool) model.FAQStatus {
	switch {
	case publish:
		return model.FAQPublished
	case cur.Live != nil:
		return model.FAQModified
	}
	return model.FAQDraft
}

// publishNow says whether a save goes live: when asked, or when the shop
// publishes every save at once.
func (s *Service) publishNow(ctx context.Context, shopID int64, asked bool) (bool, error) {
	if asked {
		return true, nil
	}
	set, err := s.Settings(ctx, shopID)
	return set.PublishImmediately, err
}

// Publish makes a FAQ's working copy live.
func (s *Service) Publish(ctx context.Context, shopID, actor, id int64) (model.FAQ, error) {
	return s.transition(ctx, shopID, actor, id, "publish", func(f *model.FAQ) {
		c := f.Content
		f.Live, f.Status = &c, model.FAQPublished
	})
}

// Unpublish takes a FAQ out of the live engine; its working copy stays.
func (s *Service) Unpublish(ctx context.Context, shopID, actor, id int64) (model.FAQ, error) {
	return s.transition(ctx, shopID, actor, id, "unpublish", func(f *model.FAQ) {
		f.Live, f.Status = nil, model.FAQDraft
	})
}

// Revert puts an earlier revision's content back as the working copy
// (published at once when the shop publishes every save).
func (s *Service) Revert(ctx context.Context, shopID, actor, id int64, revision int) (model.FAQ, error) {
	revs, err := s.st.FAQRevisions(ctx, shopID, id)
	if err != nil {
		return model.FAQ{}, err
	}
	var content *model.FAQContent
	for _, r := range revs {
		if r.Revision == revision {
			c := r.Content
			content = &c
		}
	}
	if content == nil {
		return model.FAQ{}, &FieldError{Field: "revision", Message: fmt.Sprintf("no revision %d", revision)}
	}
	publish, err := s.publishNow(ctx, shopID, false)
	if err != nil {
		return model.FAQ{}, err
	}
	return s.transition(ctx, shopID, actor, id, "revert", func(f *model.FAQ) {
		f.Content, f.Status, f.Conflicts = *content, statusAfterEdit(*f, publish), nil
		if publish {
			f.Live = content
		}
	})
}

func (s *Service) transition(ctx context.Context, shopID, actor, id int64, action string, change func(*model.FAQ)) (model.FAQ, error) {
	var f model.FAQ
	var wasLive, isLive bool
	err := s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		cur, err := tx.GetFAQ(ctx, id)
		if err != nil {
			return err
		}
		f = cur
		wasLive = cur.Live != nil
		change(&f)
		isLive = f.Live != nil
		f, err = tx.SaveFAQ(ctx, f, cur.Revision, action)
		return err
	})
	if err != nil {
		return f, err
	}
	if wasLive || isLive {
		err = s.changed(ctx, shopID)
	}
	return f, err
}

// Delete removes a FAQ; its history stays.
func (s *Service) Delete(ctx context.Context, shopID, actor, id int64) error {
	var wasLive bool
	err := s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		cur, err := tx.GetFAQ(ctx, id)
		if err != nil {
			return err
		}
		wasLive = cur.Live != nil
		return tx.DeleteFAQ(ctx, id, "delete")
	})
	if err != nil || !wasLive {
		return err
	}
	return s.changed(ctx, shopID)
}

// changed rebuilds the shop's engine on this node now (so the change is
// answered at once) and tells the other nodes.
func (s *Service) changed(ctx context.Context, shopID int64) error {
	if _, err := s.engines.Rebuild(ctx, shopID); err != nil {
		return err
	}
	if s.bus != nil {
		if err := s.bus.Publish(ctx, bus.Event{Type: bus.TypeKB, ShopID: shopID}); err != nil {
			s.log.Warn("kb: announce change", "shop", shopID, "err", err)
		}
	}
	return nil
}

// warnings looks for problems a saved FAQ may cause: its question already
// answered by another FAQ (a duplicate), or one of its similar questions
// that the live engine gives to another FAQ.
func (s *Service) warnings(ctx context.Context, shopID, selfID int64, c model.FAQContent) []Warning {
	se, err := s.engines.Get(ctx, shopID)
	if err != nil || se.Engine == nil {
		return nil
	}
	self := strconv.FormatInt(selfID, 10)
	var out []Warning
	check := func(q, code, msg string) {
		r := se.Engine.Match(q)
		if len(r.Candidates) == 0 || r.Candidates[0].FAQID == self || r.Decision == "fallback" {
			return
		}
		other := se.FAQs[r.Candidates[0].FAQID]
		out = append(out, Warning{Code: code, Message: msg, Question: q, OtherFAQID: other.ID, OtherKey: other.Key})
	}
	check(c.Question, "duplicate", "another FAQ already answers this question")
	for _, q := range c.Similar {
		if len(out) >= 20 {
			break
		}
		check(q, "similar_conflict", "the bot matches this similar question to another FAQ")
	}
	return out
}

// normalize trims and validates a FAQ's content; errors name the field.
func (s *Service) normalize(ctx context.Context, shopID int64, in *Input) error {
	in.Key = strings.TrimSpace(in.Key)
	if len(in.Key) > 100 || strings.ContainsAny(in.Key, "\n\r\t") {
		return &FieldError{Field: "key", Message: "key must be at most 100 characters on one line"}
	}
	if err := NormalizeContent(&in.Content); err != nil {
		return err
	}
	if in.Content.CategoryID != 0 {
		cats, err := s.st.ListCategories(ctx, shopID)
		if err != nil {
			return err
		}
		found := false
		for _, c := range cats {
			found = found || c.ID == in.Content.CategoryID
		}
		if !found {
			return &FieldError{Field: "category_id", Message: "no such category"}
		}
	}
	return nil
}
