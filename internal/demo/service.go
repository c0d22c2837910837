package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/bot"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// demoPipeline is the demo shop's reply pipeline: a welcome, keyword rules
// of each kind, working hours 09:00-23:00 every day (so the off-hours path
// shows at night) and a wholesale keyword that goes to a person.
func demoPipeline() bot.Config {
	c := bot.DefaultConfig()
	c.Welcome = bot.Texts{"zh-CN": "您好，欢迎光临店小二演示店！我是智能客服小二：问发货、尺码、库存、物流都可以，说「转人工」找客服小姐姐～",
		"en": "Hi, welcome to the xiaoer demo shop! Ask me about shipping, sizes, stock or your parcel; say \"human\" for a person."}
	c.Rules = []bot.Rule{
		{Name: "包邮", Match: bot.MatchExact, Patterns: []string{"包邮吗", "包邮么", "free shipping?"},
			Reply: bot.Texts{"zh-CN": "全场满 99 元包邮（新疆、西藏等偏远地区除外）～", "en": "Free shipping on orders over ¥99 (except remote regions)."}},
		{Name: "优惠券", Match: bot.MatchContains, Patterns: []string{"优惠券", "领券", "coupon"},
			Reply: bot.Texts{"zh-CN": "领券中心在店铺首页顶部，新客立减 10 元哦～", "en": "Coupons are at the top of the shop's home page; new buyers get ¥10 off."}},
		{Name: "在吗", Match: bot.MatchRegexp, Patterns: []string{`^(在吗|在不在|有人吗)[?？]*$`}, Priority: 5,
			Reply: bot.Texts{"zh-CN": "在的亲，小二一直都在～请问有什么可以帮您？"}},
	}
	c.Hours = bot.Hours{Enabled: true, Periods: []bot.Period{{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "09:00", To: "23:00"}},
		ClosedDates: []string{}}
	c.Handoff.Keywords = []string{"批发", "wholesale"}
	return c
}

// demoCanned are the shop's canned replies and one agent's own.
var demoCanned = []struct {
	owner, shortcut, title, body string
}{
	{"", "hi", "问候", "您好 {buyer_name}，我是{shop_name}的{agent_name}，很高兴为您服务～"},
	{"", "wait", "稍等", "请稍等，我帮您查一下～"},
	{"", "order", "跟进订单", "您的订单 {order_no} 我这边帮您跟进，有进展第一时间告诉您。"},
	{"", "bye", "结束", "感谢您的耐心，祝您购物愉快～"},
	{"xiaomei", "size", "尺码", "亲，尺码可以参考商品详情页的尺码表，告诉我身高体重也可以帮您推荐哦～"},
}

// seedService gives the demo shop its reply pipeline, routing (pre-sales
// and after-sales groups by intent) and canned replies.
func seedService(ctx context.Context, st store.Store, knowledge *kb.Service, shop model.Shop) error {
	se, err := knowledge.Engines().Get(ctx, shop.ID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, id := range se.Analyzer.IntentIDs() {
		known[id] = true
	}
	pipeline := demoPipeline()
	if err := pipeline.Validate(func(id string) bool { return known[id] }); err != nil {
		return fmt.Errorf("demo: pipeline: %w", err)
	}
	groups, err := st.ListGroups(ctx, shop.ID)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, g := range groups {
		byName[g.Name] = g.ID
	}
	pre, post := byName["售前 Pre-sales"], byName["售后 After-sales"]
	routing := route.DefaultConfig()
	routing.Groups = []route.GroupRule{
		{GroupID: pre, Categories: []string{"presale", "shipping"}},
		{GroupID: post, Categories: []string{"order", "aftersale", "handoff"}, Intents: []string{"complaint"}, Strategy: route.Sticky},
	}
	routing.FallbackGroup = pre
	if err := routing.Validate(groups, func(id string) bool { return known[id] }); err != nil {
		return fmt.Errorf("demo: routing: %w", err)
	}
	for name, doc := range map[string]any{bot.ConfigName: pipeline, route.SettingsName: routing} {
		raw, _ := json.Marshal(doc)
		if err := st.PutServiceSettings(ctx, shop.ID, name, string(raw)); err != nil {
			return fmt.Errorf("demo: %s settings: %w", name, err)
		}
	}
	for _, c := range demoCanned {
		r := store.CannedReply{ShopID: shop.ID, Shortcut: c.shortcut, Title: c.title, Body: c.body}
		if c.owner != "" {
			a, err := st.GetAccountByLogin(ctx, c.owner)
			if err != nil {
				return fmt.Errorf("demo: canned reply owner %s: %w", c.owner, err)
			}
			r.AccountID = a.ID
		}
		if _, err := st.CreateCannedReply(ctx, r); err != nil {
			return fmt.Errorf("demo: canned reply %s: %w", c.shortcut, err)
		}
	}
	return nil
}
