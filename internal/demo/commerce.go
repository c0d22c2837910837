package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// The demo shop's API key and webhook signing secret. They are fixed so the
// start-up banner can print them every time (a real key is shown once and
// only its hash is kept); the demo is for one's own machine.
const (
	APIKey        = "xk_demo_key_for_trying_xiaoer_only_change_me"
	SigningSecret = "xws_demo_signing_secret_change_me"
	// Buyer is the demo buyer with the richest history: log in as this
	// buyer on the widget with the signature in docs/integration.md.
	Buyer = "u1001"
)

var (
	demoNicknames = []string{"小王", "李同学", "张姐", "阿强", "陈先生", "刘小姐", "杨杨", "赵老师", "黄豆豆", "周周",
		"吴妈妈", "徐大哥", "孙悦", "胡萝卜", "朱朱", "高高", "林妹妹", "何先生", "郭小郭", "马丁"}
	demoRegions = [][2]string{{"上海", "上海"}, {"北京", "北京"}, {"浙江", "杭州"}, {"广东", "广州"}, {"广东", "深圳"},
		{"江苏", "南京"}, {"四川", "成都"}, {"湖北", "武汉"}, {"福建", "厦门"}, {"山东", "青岛"}}
	demoLevels   = []string{model.LevelNormal, model.LevelNormal, model.LevelVIP1, model.LevelNormal, model.LevelVIP2, model.LevelVIP3}
	demoCarriers = []string{"顺丰速运", "中通快递", "圆通速递", "京东物流"}
	demoClothes  = []string{"纯棉圆领T恤", "法式碎花连衣裙", "高腰直筒牛仔裤", "加绒连帽卫衣", "轻薄白鸭绒羽绒服", "商务免烫衬衫",
		"冰丝运动裤", "工装夹克外套", "针织开衫", "休闲西装外套", "高领打底毛衣", "防晒冲锋衣"}
	demoShoes  = []string{"透气跑步鞋", "经典帆布鞋", "真皮商务皮鞋", "软底凉鞋", "加绒雪地靴", "小白板鞋", "缓震篮球鞋", "一脚蹬乐福鞋"}
	demoOthers = []string{"双肩通勤背包", "棒球帽", "纯棉船袜五双装", "316保温杯", "真丝围巾", "牛皮腰带", "帆布托特包",
		"运动护膝", "羊毛手套", "降噪蓝牙耳机", "防蓝光眼镜", "折叠晴雨伞"}
	demoColors = []string{"黑色", "白色", "灰色", "藏青", "卡其"}
)

// seedCommerce gives the demo shop its products, buyers, orders in every
// status with parcels, carts, favourites, coupons and reviews, through the
// same validation as the ingest API, and installs the demo API key.
func seedCommerce(ctx context.Context, st store.Store, shop model.Shop, now time.Time) error {
	svc := commerce.New(commerce.Options{Store: st})
	if _, err := svc.InstallAPIKey(ctx, shop.ID, "demo", APIKey, SigningSecret, 0); err != nil {
		return fmt.Errorf("demo: api key: %w", err)
	}
	rng := rand.New(rand.NewPCG(2025, 1001)) // fixed: every demo is the same
	now = now.Truncate(time.Minute)
	products := demoProducts(rng)
	buyers := demoBuyers(rng, now)
	orders := demoOrders(rng, now, products)
	batches := []struct {
		e    commerce.Entity
		recs any
	}{
		{commerce.Products, products}, {commerce.Buyers, buyers}, {commerce.Orders, orders},
		{commerce.Carts, demoCarts(rng, now, products)}, {commerce.Favourites, demoFavourites(rng, now, products)},
		{commerce.Coupons, demoCoupons(rng, now, orders)}, {commerce.Reviews, demoReviews(rng, orders)},
	}
	for _, b := range batches {
		if err := ingestAll(ctx, svc, shop.ID, b.e, b.recs); err != nil {
			return err
		}
	}
	return nil
}

func ingestAll(ctx context.Context, svc *commerce.Service, shopID int64, e commerce.Entity, recs any) error {
	b, _ := json.Marshal(recs)
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	rep, err := svc.Ingest(ctx, shopID, commerce.Batch{Entity: e, Records: raws})
	if err != nil {
		return fmt.Errorf("demo: %s: %w (%v)", e, err, rep.Problems)
	}
	return nil
}

func demoProducts(rng *rand.Rand) []model.Product {
	var out []model.Product
	add := func(title, cat string, price int64, sizes []string, chart []model.SizeRange) {
		p := model.Product{ExternalID: fmt.Sprintf("P%03d", len(out)+1), Title: title, Category: cat, PriceFen: price,
			Status: model.ProductOnSale, URL: fmt.Sprintf("https://shop.example.com/item/P%03d", len(out)+1),
			Attributes: map[string]string{"产地": "浙江杭州"}, SizeChart: chart}
		colors := demoColors[:2+rng.IntN(3)]
		for _, c := range colors {
			for _, s := range sizes {
				p.SKUs = append(p.SKUs, model.SKU{ExternalID: fmt.Sprintf("%s-%d%d", p.ExternalID, len(p.SKUs)/10, len(p.SKUs)%10),
					Color: c, Size: s, PriceFen: price, Stock: rng.IntN(40) * rng.IntN(2)})
			}
		}
		out = append(out, p)
	}
	clothes := []model.SizeRange{{Size: "S", HeightMin: 150, HeightMax: 160, WeightMin: 40, WeightMax: 50},
		{Size: "M", HeightMin: 160, HeightMax: 168, WeightMin: 50, WeightMax: 60}, {Size: "L", HeightMin: 168, HeightMax: 175, WeightMin: 60, WeightMax: 70},
		{Size: "XL", HeightMin: 175, HeightMax: 182, WeightMin: 70, WeightMax: 80}, {Size: "XXL", HeightMin: 182, HeightMax: 190, WeightMin: 80, WeightMax: 95}}
	for i, t := range demoClothes {
		add(t, "服装", int64(6900+i*2000), []string{"S", "M", "L", "XL", "XXL"}, clothes)
	}
	var shoes []model.SizeRange
	var shoeSizes []string
	for s := 36; s <= 44; s++ {
		shoeSizes = append(shoeSizes, fmt.Sprint(s))
		shoes = append(shoes, model.SizeRange{Size: fmt.Sprint(s), FootMin: 225 + (s-36)*5, FootMax: 229 + (s-36)*5})
	}
	for i, t := range demoShoes {
		add(t, "鞋靴", int64(12900+i*3000), shoeSizes, shoes)
	}
	for i, t := range demoOthers {
		add(t, "配件", int64(1990+i*1500), []string{"均码"}, nil)
	}
	out[len(out)-1].Status = model.ProductOffShelf
	return out
}

func demoBuyers(rng *rand.Rand, now time.Time) []model.BuyerProfile {
	out := make([]model.BuyerProfile, 0, 50)
	for i := range 50 {
		r := demoRegions[i%len(demoRegions)]
		b := model.BuyerProfile{ExternalID: fmt.Sprintf("u%d", 1001+i), Nickname: demoNicknames[i%len(demoNicknames)],
			Phone: fmt.Sprintf("13%d%08d", 5+i%5, rng.IntN(100000000)), Level: demoLevels[i%len(demoLevels)],
			Province: r[0], City: r[1], FirstSeen: now.AddDate(0, 0, -30-rng.IntN(700)),
			LastActive: now.AddDate(0, 0, -rng.IntN(200))}
		out = append(out, b)
	}
	out[0].Level, out[0].LastActive = model.LevelVIP2, now.Add(-time.Hour)
	return out
}

// demoOrders gives every buyer one to four orders and u1001 one in each
// status, with parcel events for what was shipped.
func demoOrders(rng *rand.Rand, now time.Time, products []model.Product) []model.Order {
	statuses := model.OrderStatuses()
	var out []model.Order
	for i := range 50 {
		n := 1 + rng.IntN(4)
		if i == 0 {
			n = len(statuses)
		}
		for j := range n {
			st := statuses[rng.IntN(len(statuses))]
			if i == 0 {
				st = statuses[j]
			}
			out = append(out, demoOrder(rng, now, products, fmt.Sprintf("u%d", 1001+i), len(out), st))
		}
	}
	return out
}

func demoOrder(rng *rand.Rand, now time.Time, products []model.Product, buyer string, n int, st model.OrderStatus) model.Order {
	p := products[rng.IntN(len(products)-1)]
	sku := p.SKUs[rng.IntN(len(p.SKUs))]
	qty := 1 + rng.IntN(2)
	age := map[model.OrderStatus]int{model.OrderUnpaid: 0, model.OrderPaid: 1, model.OrderShipped: 2, model.OrderDelivered: 4,
		model.OrderCompleted: 15 + rng.IntN(200), model.OrderRefunding: 6, model.OrderRefunded: 10 + rng.IntN(60), model.OrderClosed: 3 + rng.IntN(30)}[st]
	created := now.AddDate(0, 0, -age).Add(-time.Duration(rng.IntN(600)) * time.Minute)
	o := model.Order{ExternalID: fmt.Sprintf("%s%06d", created.Format("20060102"), 100000+n*37), BuyerID: buyer, Status: st,
		TotalFen: sku.PriceFen * int64(qty), CreatedAt: created,
		Items: []model.OrderItem{{ProductID: p.ExternalID, SKUID: sku.ExternalID, Title: p.Title, Spec: sku.Color + " " + sku.Size, Qty: qty, PriceFen: sku.PriceFen}}}
	if st == model.OrderUnpaid || st == model.OrderClosed {
		return o
	}
	o.PaidAt, o.PaidFen = created.Add(3*time.Minute), o.TotalFen
	switch st {
	case model.OrderRefunding:
		o.Refund, o.RefundFen = model.RefundRequested, o.PaidFen
	case model.OrderRefunded:
		o.Refund, o.RefundFen = model.RefundDone, o.PaidFen
	}
	if st != model.OrderPaid {
		o.Carrier, o.TrackingNo = demoCarriers[rng.IntN(len(demoCarriers))], fmt.Sprintf("SF%d", 1400000000000+int64(n)*7919)
		o.Logistics = demoParcel(o.PaidAt, st, now)
	}
	return o
}

func demoParcel(paid time.Time, st model.OrderStatus, now time.Time) []model.LogisticsEvent {
	steps := []model.LogisticsEvent{{Text: "商家已发货，快递已揽收", Location: "浙江杭州"}, {Text: "已到达杭州转运中心", Location: "浙江杭州"},
		{Text: "运输中，发往目的地转运中心"}, {Text: "快件已到达目的地转运中心"}, {Text: "派送中，快递员正在为您派件"}, {Text: "已签收，感谢使用"}}
	n := len(steps)
	if st == model.OrderShipped {
		n = 3
	}
	var out []model.LogisticsEvent
	for i, s := range steps[:n] {
		s.At = paid.Add(time.Duration(6+i*9) * time.Hour)
		if s.At.After(now) {
			break
		}
		out = append(out, s)
	}
	return out
}

func demoCarts(rng *rand.Rand, now time.Time, products []model.Product) []model.CartItem {
	var out []model.CartItem
	seen := map[string]bool{}
	for i := range 40 {
		p := products[rng.IntN(len(products))]
		sku := p.SKUs[rng.IntN(len(p.SKUs))]
		buyer := fmt.Sprintf("u%d", 1001+(i*7)%50)
		if i < 3 {
			buyer = Buyer
		}
		if seen[buyer+sku.ExternalID] {
			continue
		}
		seen[buyer+sku.ExternalID] = true
		out = append(out, model.CartItem{BuyerID: buyer, ProductID: p.ExternalID, SKUID: sku.ExternalID, Qty: 1 + rng.IntN(3),
			AddedAt: now.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)})
	}
	return out
}

func demoFavourites(rng *rand.Rand, now time.Time, products []model.Product) []model.Favourite {
	var out []model.Favourite
	seen := map[string]bool{}
	for i := range 60 {
		p := products[rng.IntN(len(products))]
		buyer := fmt.Sprintf("u%d", 1001+(i*3)%50)
		if seen[buyer+p.ExternalID] {
			continue
		}
		seen[buyer+p.ExternalID] = true
		out = append(out, model.Favourite{BuyerID: buyer, ProductID: p.ExternalID, AddedAt: now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)})
	}
	return out
}

// demoCoupons issues coupons: some used with a paid order of their buyer,
// some expired, the rest waiting to be used.
func demoCoupons(rng *rand.Rand, now time.Time, orders []model.Order) []model.Coupon {
	var out []model.Coupon
	for i, o := range orders {
		if i%2 == 1 {
			continue
		}
		c := model.Coupon{ExternalID: fmt.Sprintf("C%04d", i), BuyerID: o.BuyerID, Title: "满199减20", AmountFen: 2000,
			MinSpendFen: 19900, IssuedAt: o.CreatedAt.AddDate(0, 0, -3), ExpiresAt: o.CreatedAt.AddDate(0, 0, 27)}
		switch {
		case o.Paid() && i%4 == 0:
			c.UsedAt, c.OrderID = o.PaidAt, o.ExternalID
		case i%3 == 0:
			c.Title, c.AmountFen, c.MinSpendFen = "新人无门槛5元", 500, 0
			c.ExpiresAt = now.AddDate(0, 0, 10+rng.IntN(20))
		}
		out = append(out, c)
	}
	return out
}

func demoReviews(rng *rand.Rand, orders []model.Order) []model.Review {
	texts := map[int][]string{1: {"质量太差了，洗一次就起球", "发错颜色，客服也不理人"}, 2: {"尺码偏小，不太满意"},
		3: {"一般般，对得起价格"}, 4: {"挺好的，物流很快"}, 5: {"非常满意，已经回购了", "面料舒服，版型好看，推荐！"}}
	var out []model.Review
	for _, o := range orders {
		if o.Status != model.OrderCompleted {
			continue
		}
		rating := 1 + rng.IntN(5)
		if rating < 3 && rng.IntN(2) == 0 {
			rating = 5 // most buyers are happy
		}
		t := texts[rating]
		out = append(out, model.Review{ExternalID: "R" + o.ExternalID, BuyerID: o.BuyerID, OrderID: o.ExternalID,
			ProductID: o.Items[0].ProductID, Rating: rating, Text: t[rng.IntN(len(t))], CreatedAt: o.CreatedAt.AddDate(0, 0, 7)})
	}
	return out
}
