package commerce

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Keeping stored tags right. Every change to what a buyer's tags are
// computed from (their data, the shop's rules and thresholds) increments
// the buyer's tag generation and marks them due, in the change's own
// transaction. A computation reads the buyer (and so the generation) first,
// then the shop's rules, then the buyer's data, and is stored only while
// the generation is unchanged: a computation that raced a change is
// dropped, and the buyer, marked due by that change, is computed again.
// Nothing a change brings is lost to an older computation stored after it.

// shopTags is a shop's tag settings and compiled rules.
type shopTags struct {
	set   model.TagSettings
	rules []NamedRule
}

// tagContext reads a shop's settings and compiled rules. Read it after the
// buyers it is used for (see above).
func (s *Service) tagContext(ctx context.Context, shopID int64) (shopTags, error) {
	set, err := s.st.GetTagSettings(ctx, shopID)
	if errors.Is(err, store.ErrNotFound) {
		set = DefaultTagSettings()
	} else if err != nil {
		return shopTags{}, err
	}
	stored, err := s.st.ListTagRules(ctx, shopID)
	if err != nil {
		return shopTags{}, err
	}
	rules := make([]NamedRule, 0, len(stored))
	for _, r := range stored {
		c, err := ParseRule(r.Rule)
		if err != nil {
			// Rules are checked when saved; one that no longer parses
			// (a field was renamed) is skipped, not fatal.
			s.log.Warn("tag rule skipped", "shop", shopID, "rule", r.Name, "err", err)
			continue
		}
		rules = append(rules, NamedRule{Name: r.Name, Rule: c})
	}
	return shopTags{set: set, rules: rules}, nil
}

// Facts loads what tags are computed from for a verified buyer.
func (s *Service) Facts(ctx context.Context, shopID int64, p model.BuyerProfile) (Facts, error) {
	f := Facts{Profile: p}
	if p.ExternalID == "" {
		return f, nil
	}
	var err error
	if f.Orders, err = s.st.ListBuyerOrders(ctx, shopID, p.ExternalID, 500); err != nil {
		return f, err
	}
	if f.Reviews, err = s.st.ListBuyerReviews(ctx, shopID, p.ExternalID); err != nil {
		return f, err
	}
	if f.Coupons, err = s.st.ListBuyerCoupons(ctx, shopID, p.ExternalID); err != nil {
		return f, err
	}
	cart, err := s.st.ListBuyerCart(ctx, shopID, p.ExternalID)
	if err != nil {
		return f, err
	}
	favs, err := s.st.ListBuyerFavourites(ctx, shopID, p.ExternalID)
	f.Cart, f.Favourites = len(cart), len(favs)
	return f, err
}

// retag computes a buyer's tags and when they are next due, and stores
// them unless they are stored already. p must have been read before sc.
// A store.ErrStale means p is out of date: the buyer changed and is due.
func (s *Service) retag(ctx context.Context, shopID int64, p model.BuyerProfile, sc shopTags) error {
	f, err := s.Facts(ctx, shopID, p)
	if err != nil {
		return err
	}
	now := s.now()
	tags := ComputeTags(f, sc.set, sc.rules, now)
	due := NextTagChange(f, sc.set, sc.rules, now)
	if slices.Equal(tags, p.Tags) && sameMilli(due, p.TagsDue) {
		return nil
	}
	return s.st.SetBuyerTags(ctx, shopID, p.ID, store.BuyerTags{Tags: tags, Due: due, Gen: p.TagsGen})
}

// sameMilli reports whether a due time is the one stored (in milliseconds,
// rounded up).
func sameMilli(due, stored time.Time) bool {
	if due.IsZero() || stored.IsZero() {
		return due.IsZero() == stored.IsZero()
	}
	return !stored.Before(due) && stored.Sub(due) < time.Millisecond
}

// factsOf loads what tags are computed from for buyers of one shop (at
// most 1,000) at once; they are in the order of ps.
func (s *Service) factsOf(ctx context.Context, shopID int64, ps []model.BuyerProfile) ([]Facts, error) {
	exts := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.ExternalID != "" {
			exts = append(exts, p.ExternalID)
		}
	}
	data, err := s.st.ListBuyersData(ctx, shopID, exts)
	if err != nil {
		return nil, err
	}
	out := make([]Facts, len(ps))
	for i, p := range ps {
		out[i] = Facts{Profile: p}
		if d := data[p.ExternalID]; d != nil && p.ExternalID != "" {
			out[i].Orders, out[i].Reviews, out[i].Coupons, out[i].Cart, out[i].Favourites = d.Orders, d.Reviews, d.Coupons, d.Cart, d.Favourites
		}
	}
	return out, nil
}

// retagMany is retag for buyers of one shop, read before sc, with their
// data loaded and their tags stored in one go. It returns how many are
// stored (or were right already) and the buyers changed meanwhile, which
// are due again.
func (s *Service) retagMany(ctx context.Context, shopID int64, ps []model.BuyerProfile, sc shopTags) (int, []model.BuyerProfile, error) {
	facts, err := s.factsOf(ctx, shopID, ps)
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	var ws []store.BuyerTagsWrite
	byID := make(map[int64]model.BuyerProfile, len(ps))
	for i, p := range ps {
		tags := ComputeTags(facts[i], sc.set, sc.rules, now)
		due := NextTagChange(facts[i], sc.set, sc.rules, now)
		if slices.Equal(tags, p.Tags) && sameMilli(due, p.TagsDue) {
			continue
		}
		ws = append(ws, store.BuyerTagsWrite{ID: p.ID, BuyerTags: store.BuyerTags{Tags: tags, Due: due, Gen: p.TagsGen}})
		byID[p.ID] = p
	}
	if len(ws) == 0 {
		return len(ps), nil, nil
	}
	staleIDs, err := s.st.SetBuyersTags(ctx, shopID, ws)
	if err != nil {
		return 0, nil, err
	}
	stale := make([]model.BuyerProfile, 0, len(staleIDs))
	for _, id := range staleIDs {
		stale = append(stale, byID[id])
	}
	return len(ps) - len(stale), stale, nil
}

// RefreshTags recomputes and stores the tags of the named buyers, after a
// change to their data, 500 at a time. A buyer changed again while this
// ran is computed again, up to three times; after that the refresh job
// stores their tags.
func (s *Service) RefreshTags(ctx context.Context, shopID int64, buyerExts []string) error {
	exts := slices.Compact(slices.Sorted(slices.Values(buyerExts)))
	for len(exts) > 0 {
		n := min(len(exts), 500)
		if err := s.refreshSome(ctx, shopID, exts[:n]); err != nil {
			return err
		}
		exts = exts[n:]
	}
	return nil
}

func (s *Service) refreshSome(ctx context.Context, shopID int64, exts []string) error {
	for range 3 {
		if len(exts) == 0 {
			return nil
		}
		ps := make([]model.BuyerProfile, 0, len(exts))
		for _, ext := range exts {
			p, err := s.st.GetBuyerProfileByExternal(ctx, shopID, ext)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		sc, err := s.tagContext(ctx, shopID)
		if err != nil {
			return err
		}
		_, stale, err := s.retagMany(ctx, shopID, ps, sc)
		if err != nil {
			return err
		}
		exts = make([]string, 0, len(stale))
		for _, p := range stale {
			exts = append(exts, p.ExternalID)
		}
	}
	return nil
}

// RefreshAllTags recomputes every verified buyer's tags, after the shop's
// rules or settings changed (the change marked them all due, so the
// refresh job finishes what a cancelled call leaves, and retags the
// buyers changed meanwhile). It returns how many buyers it looked at.
func (s *Service) RefreshAllTags(ctx context.Context, shopID int64) (int, error) {
	n, page := 0, store.Page{Limit: 500}
	for {
		ps, err := s.st.ListBuyerProfiles(ctx, shopID, page)
		if err != nil {
			return n, err
		}
		sc, err := s.tagContext(ctx, shopID)
		if err != nil {
			return n, err
		}
		if _, _, err := s.retagMany(ctx, shopID, ps, sc); err != nil {
			return n, err
		}
		n += len(ps)
		if len(ps) < page.Limit {
			return n, nil
		}
		page.After = ps[len(ps)-1].ID
	}
}
