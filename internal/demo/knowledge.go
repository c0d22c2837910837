package demo

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// faqsJSON are the demo shop's own FAQs, in the pack FAQ format.
//
//go:embed faqs.json
var faqsJSON []byte

// seedKnowledge gives the demo shop the general pack at version 1 (so the
// console shows an upgrade to the version this binary ships, merging a
// merchant edit), the apparel pack, and its own FAQs, all published.
func seedKnowledge(ctx context.Context, st store.Store, svc *kb.Service, shopID int64) error {
	if _, err := svc.EnablePackVersion(ctx, shopID, 0, "general", 1); err != nil {
		return fmt.Errorf("demo: general pack: %w", err)
	}
	if _, err := svc.EnablePack(ctx, shopID, 0, "apparel"); err != nil {
		return fmt.Errorf("demo: apparel pack: %w", err)
	}
	if err := editShippingFee(ctx, st, svc, shopID); err != nil {
		return err
	}
	var faqs []kb.PackFAQ
	if err := json.Unmarshal(faqsJSON, &faqs); err != nil {
		return fmt.Errorf("demo: faqs.json: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, f := range faqs {
		row := map[string]any{"id": f.Key, "question": f.Question, "similar": f.Similar, "answer": "",
			"answers": f.Answers, "category": f.Category, "tags": f.Tags, "status": "published"}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	rep, err := svc.Import(ctx, shopID, 0, &buf, kb.ImportOptions{Format: kb.FormatJSONL})
	if err != nil {
		return fmt.Errorf("demo: import FAQs: %w", err)
	}
	if !rep.Applied || len(rep.Errors) > 0 {
		return fmt.Errorf("demo: import FAQs: %+v", rep.Errors)
	}
	return nil
}

// editShippingFee makes the demo shop's own edit of a pack FAQ, the way a
// merchant states their free-shipping threshold.
func editShippingFee(ctx context.Context, st store.Store, svc *kb.Service, shopID int64) error {
	faqs, err := st.ListFAQs(ctx, store.FAQFilter{ShopID: shopID, PackID: "general", Text: "包邮吗", Limit: 5})
	if err != nil {
		return err
	}
	for _, f := range faqs {
		if f.Key != "general/shipping-fee" {
			continue
		}
		c := f.Content
		c.Answers = []model.Answer{
			{Type: model.AnswerText, Lang: "zh-CN", Text: "亲～本店满99元包邮（新疆西藏等偏远地区除外），不满99元运费8元，下单页会自动计算哦。"},
			{Type: model.AnswerText, Lang: "en", Text: "Orders over ¥99 ship free (except remote areas such as Xinjiang and Tibet); below that, shipping is ¥8, shown at checkout."},
		}
		_, _, err := svc.Update(ctx, shopID, 0, f.ID, f.Revision, kb.Input{Content: c, Publish: true})
		return err
	}
	return fmt.Errorf("demo: the general pack has no shipping-fee FAQ")
}
