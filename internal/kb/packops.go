package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ErrNoPack is returned for a pack id the binary does not ship.
var ErrNoPack = errors.New("no such answer pack")

// ErrNothingToDo is returned for an upgrade with no newer version or a
// rollback with no upgrade to undo.
var ErrNothingToDo = errors.New("nothing to do")

// PackStatus is what the console shows of one pack for a shop.
type PackStatus struct {
	ID          string            `json:"id"`
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description"`
	Latest      int               `json:"latest_version"`
	FAQs        int               `json:"faqs"`
	Enabled     bool              `json:"enabled"`
	Version     int               `json:"version,omitempty"` // the version the shop runs
	CanUpgrade  bool              `json:"can_upgrade"`
	CanRollback bool              `json:"can_rollback"`
}

// PackStatuses lists every pack with the shop's state of it.
func (s *Service) PackStatuses(ctx context.Context, shopID int64) ([]PackStatus, error) {
	enabled, err := s.st.ShopPacks(ctx, shopID)
	if err != nil {
		return nil, err
	}
	var out []PackStatus
	for _, id := range s.packs.IDs() {
		p, _ := s.packs.Latest(id)
		ps := PackStatus{ID: id, Name: p.Name, Description: p.Description, Latest: p.Version, FAQs: len(p.FAQs)}
		for _, e := range enabled {
			if e.PackID == id {
				ps.Enabled, ps.Version, ps.CanUpgrade = true, e.Version, e.Version < p.Version
			}
		}
		if _, err := s.st.LastPackUpgrade(ctx, shopID, id); err == nil {
			ps.CanRollback = ps.Enabled
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func (s *Service) shopPack(ctx context.Context, shopID int64, packID string) (store.ShopPack, bool, error) {
	enabled, err := s.st.ShopPacks(ctx, shopID)
	if err != nil {
		return store.ShopPack{}, false, err
	}
	for _, e := range enabled {
		if e.PackID == packID {
			return e, true, nil
		}
	}
	return store.ShopPack{}, false, nil
}

// EnablePack adds a pack's latest version to the shop, published at once.
// FAQs of the pack the shop already has are left as they are.
func (s *Service) EnablePack(ctx context.Context, shopID, actor int64, packID string) (added int, err error) {
	p, ok := s.packs.Latest(packID)
	if !ok {
		return 0, ErrNoPack
	}
	return s.EnablePackVersion(ctx, shopID, actor, packID, p.Version)
}

// EnablePackVersion adds one version of a pack to the shop (the demo starts
// on an older version so that its console shows an upgrade).
func (s *Service) EnablePackVersion(ctx context.Context, shopID, actor int64, packID string, version int) (added int, err error) {
	p, ok := s.packs.Version(packID, version)
	if !ok {
		return 0, ErrNoPack
	}
	if _, on, err := s.shopPack(ctx, shopID, packID); err != nil || on {
		if on {
			return 0, fmt.Errorf("pack %s is already enabled: %w", packID, ErrNothingToDo)
		}
		return 0, err
	}
	cats, err := s.categoryIDs(ctx, shopID, p)
	if err != nil {
		return 0, err
	}
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		for _, pf := range p.FAQs {
			_, err := tx.GetFAQByKey(ctx, packFAQKey(packID, pf.Key))
			if err == nil {
				continue
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if _, err := tx.CreateFAQ(ctx, packFAQ(p, pf, cats), "pack.enable"); err != nil {
				return err
			}
			added++
		}
		return tx.SetPack(ctx, store.ShopPack{PackID: packID, Version: p.Version})
	})
	if err != nil {
		return 0, err
	}
	return added, s.changed(ctx, shopID)
}

// packFAQ is a new, published shop FAQ from a pack FAQ.
func packFAQ(p Pack, pf PackFAQ, cats map[string]int64) model.FAQ {
	c := pf.Content()
	base := c
	c.CategoryID = cats[pf.Category]
	return model.FAQ{Key: packFAQKey(p.ID, pf.Key), Content: c, Live: &c, Status: model.FAQPublished,
		PackID: p.ID, PackVersion: p.Version, PackBase: &base}
}

// categoryIDs finds or creates the top-level categories a pack names.
func (s *Service) categoryIDs(ctx context.Context, shopID int64, p Pack) (map[string]int64, error) {
	out := map[string]int64{}
	existing, err := s.st.ListCategories(ctx, shopID)
	if err != nil {
		return nil, err
	}
	for _, c := range existing {
		if c.ParentID == 0 {
			out[c.Name] = c.ID
		}
	}
	for _, f := range p.FAQs {
		name := strings.TrimSpace(f.Category)
		if name == "" || out[name] != 0 {
			continue
		}
		c, err := s.st.CreateCategory(ctx, model.Category{ShopID: shopID, Name: name})
		if err != nil {
			return nil, err
		}
		out[name] = c.ID
	}
	return out, nil
}

// PackChange is what an upgrade does to one FAQ.
type PackChange struct {
	Key       string                `json:"key"`
	Kind      string                `json:"kind"` // added, removed, updated, kept_edit, conflict, detached
	FAQID     int64                 `json:"faq_id,omitempty"`
	Question  string                `json:"question"`
	Fields    []string              `json:"fields,omitempty"`
	Conflicts []model.MergeConflict `json:"conflicts,omitempty"`
	faq       model.FAQ             // the FAQ after the change
	before    *model.FAQ            // the FAQ before (nil when added)
}

// UpgradePlan is what upgrading a pack would do, for the console to show
// before the merchant confirms.
type UpgradePlan struct {
	PackID  string       `json:"pack_id"`
	From    int          `json:"from_version"`
	To      int          `json:"to_version"`
	Changes []PackChange `json:"changes"`
}

// PlanUpgrade works out the upgrade of a pack to its latest version: a
// three-way merge of the old pack, the new pack and the shop's copy of each
// FAQ. It changes nothing.
func (s *Service) PlanUpgrade(ctx context.Context, shopID int64, packID string) (UpgradePlan, error) {
	sp, on, err := s.shopPack(ctx, shopID, packID)
	if err != nil {
		return UpgradePlan{}, err
	}
	latest, ok := s.packs.Latest(packID)
	if !ok {
		return UpgradePlan{}, ErrNoPack
	}
	if !on || sp.Version >= latest.Version {
		return UpgradePlan{}, fmt.Errorf("pack %s has no newer version for this shop: %w", packID, ErrNothingToDo)
	}
	old, ok := s.packs.Version(packID, sp.Version)
	if !ok {
		return UpgradePlan{}, fmt.Errorf("pack %s version %d is not shipped any more: %w", packID, sp.Version, ErrNoPack)
	}
	cats, err := s.categoryIDs(ctx, shopID, latest)
	if err != nil {
		return UpgradePlan{}, err
	}
	mine, err := s.st.ListFAQs(ctx, store.FAQFilter{ShopID: shopID, PackID: packID, Limit: -1})
	if err != nil {
		return UpgradePlan{}, err
	}
	byKey := map[string]model.FAQ{}
	for _, f := range mine {
		byKey[f.Key] = f
	}
	plan := UpgradePlan{PackID: packID, From: sp.Version, To: latest.Version}
	inNew := map[string]bool{}
	for _, pf := range latest.FAQs {
		inNew[pf.Key] = true
		f, have := byKey[packFAQKey(packID, pf.Key)]
		if !have {
			plan.Changes = append(plan.Changes, PackChange{Key: pf.Key, Kind: "added", Question: pf.Question, faq: packFAQ(latest, pf, cats)})
			continue
		}
		if ch, ok := upgradeFAQ(f, pf, latest.Version); ok {
			plan.Changes = append(plan.Changes, ch)
		}
	}
	for _, pf := range old.FAQs {
		f, have := byKey[packFAQKey(packID, pf.Key)]
		if inNew[pf.Key] || !have {
			continue
		}
		before := f
		ch := PackChange{Key: pf.Key, Kind: "removed", FAQID: f.ID, Question: f.Content.Question, before: &before}
		if f.PackBase != nil && !sameContent(f.Content, *f.PackBase) {
			// The merchant edited it: keep their FAQ, no longer tied to the pack.
			ch.Kind = "detached"
			f.PackID, f.PackVersion, f.PackBase = "", 0, nil
			ch.faq = f
		}
		plan.Changes = append(plan.Changes, ch)
	}
	return plan, nil
}

// upgradeFAQ merges a new pack FAQ into the shop's copy; ok is false when
// nothing changes but the version.
func upgradeFAQ(f model.FAQ, pf PackFAQ, version int) (PackChange, bool) {
	theirs := pf.Content()
	base := theirs
	if f.PackBase != nil {
		base = *f.PackBase
	}
	before := f
	merged, fields, conflicts := merge3(base, f.Content, theirs)
	ch := PackChange{Key: pf.Key, FAQID: f.ID, Question: merged.Question, Fields: fields, Conflicts: conflicts, before: &before}
	published := f.Live != nil && f.Status == model.FAQPublished
	f.Content, f.PackBase, f.PackVersion, f.Conflicts = merged, &theirs, version, conflicts
	switch {
	case len(conflicts) > 0:
		ch.Kind = "conflict"
		if f.Live != nil {
			f.Status = model.FAQModified
		}
	case len(fields) > 0:
		ch.Kind = "updated"
		if published {
			c := merged
			f.Live = &c
		}
	case sameContent(base, theirs):
		return ch, false // the pack did not change this FAQ
	default:
		// The pack changed it to what the merchant already had: only the
		// merge base moves on.
		ch.Kind = "kept_edit"
	}
	ch.faq = f
	return ch, true
}

// Upgrade applies PlanUpgrade in one transaction, keeping a snapshot of
// every FAQ it touches so that Rollback can undo it.
func (s *Service) Upgrade(ctx context.Context, shopID, actor int64, packID string) (UpgradePlan, error) {
	plan, err := s.PlanUpgrade(ctx, shopID, packID)
	if err != nil {
		return plan, err
	}
	snapshot := make([]snapshotEntry, 0, len(plan.Changes))
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		for i, ch := range plan.Changes {
			snapshot = append(snapshot, snapshotEntry{Key: packFAQKey(packID, ch.Key), Before: ch.before})
			var err error
			switch ch.Kind {
			case "added":
				var f model.FAQ
				f, err = tx.CreateFAQ(ctx, ch.faq, "pack.upgrade")
				plan.Changes[i].FAQID = f.ID
				snapshot[i].Key = f.Key
			case "removed":
				err = tx.DeleteFAQ(ctx, ch.FAQID, "pack.upgrade")
			default:
				snapshot[i].Key = ch.before.Key
				_, err = tx.SaveFAQ(ctx, ch.faq, ch.before.Revision, "pack.upgrade")
			}
			if err != nil {
				return err
			}
		}
		b, err := json.Marshal(snapshot)
		if err != nil {
			return err
		}
		if _, err := tx.RecordPackUpgrade(ctx, store.PackUpgrade{PackID: packID, FromVersion: plan.From, ToVersion: plan.To, Snapshot: string(b)}); err != nil {
			return err
		}
		return tx.SetPack(ctx, store.ShopPack{PackID: packID, Version: plan.To})
	})
	if err != nil {
		return plan, err
	}
	return plan, s.changed(ctx, shopID)
}

// bumpUnchanged is a no-op kept for clarity: FAQs the upgrade does not
// change keep their pack version, which only matters as the merge base, and
// their base is still right because the pack did not change them.
func (s *Service) bumpUnchanged(context.Context, store.KBTx, int64, string, UpgradePlan) error {
	return nil
}

type snapshotEntry struct {
	Key    string     `json:"key"`
	Before *model.FAQ `json:"before"` // nil: the upgrade added it
}

// Rollback undoes the pack's last upgrade: FAQs it added are removed, FAQs
// it changed or removed are put back as they were before it. Edits made to
// those FAQs after the upgrade are lost (their history keeps them).
func (s *Service) Rollback(ctx context.Context, shopID, actor int64, packID string) error {
	up, err := s.st.LastPackUpgrade(ctx, shopID, packID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("pack %s has no upgrade to roll back: %w", packID, ErrNothingToDo)
	}
	if err != nil {
		return err
	}
	var snapshot []snapshotEntry
	if err := json.Unmarshal([]byte(up.Snapshot), &snapshot); err != nil {
		return fmt.Errorf("kb: pack upgrade snapshot: %w", err)
	}
	err = s.st.KB(ctx, shopID, actor, func(tx store.KBTx) error {
		for _, e := range snapshot {
			if err := restoreFAQ(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := tx.MarkPackUpgradeRolledBack(ctx, up.ID); err != nil {
			return err
		}
		return tx.SetPack(ctx, store.ShopPack{PackID: packID, Version: up.FromVersion})
	})
	if err != nil {
		return err
	}
	return s.changed(ctx, shopID)
}

func restoreFAQ(ctx context.Context, tx store.KBTx, e snapshotEntry) error {
	cur, err := tx.GetFAQByKey(ctx, e.Key)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	switch {
	case e.Before == nil && exists:
		return tx.DeleteFAQ(ctx, cur.ID, "pack.rollback")
	case e.Before == nil:
		return nil
	case exists:
		f := *e.Before
		f.ID = cur.ID
		_, err = tx.SaveFAQ(ctx, f, cur.Revision, "pack.rollback")
		return err
	default:
		_, err = tx.CreateFAQ(ctx, *e.Before, "pack.rollback")
		return err
	}
}
