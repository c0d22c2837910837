package nlp

import (
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/nlp/intentdata"
)

func TestIntentModelOnHeldOutSet(t *testing.T) {
	m, err := NewIntentModel(nil)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		Text   string `json:"text"`
		Intent string `json:"intent"`
	}
	data := loadJSONL[line](t, "testdata/intents.jsonl")
	correct := 0
	for _, l := range data {
		if m.Classify(l.Text)[0].ID == l.Intent {
			correct++
		}
	}
	// The held-out set is different sentences from the training corpus; the
	// model scored 0.92 when the set was written. Falling under 0.85 means a
	// regression in features, training or the corpus.
	if acc := float64(correct) / float64(len(data)); acc < 0.85 {
		t.Errorf("held-out intent accuracy %.3f < 0.85", acc)
	}
}

func TestIntents(t *testing.T) {
	e := buildShop(t, Options{})
	tests := []struct {
		text, id, category string
	}{
		{"你好，在吗", "greeting", "chat"},
		{"我要投诉你们，再不处理就打12315", "complaint", "handoff"},
		{"收到的衣服破了个洞", "aftersale.quality", "aftersale"},
		{"转人工", "human", "handoff"},
		{"身高170体重120斤穿什么码", "product.size", "presale"},
		{"能发顺丰吗", "shipping.courier", "shipping"},
		{"我的快递到哪了", "order.logistics", "order"},
		{"退款什么时候到账", "aftersale.refund_status", "aftersale"},
		{"can I get an invoice", "invoice", "order"},
		{"is this in stock", "product.stock", "presale"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := e.Analyze(tt.text, nil).Intent
			if got.ID != tt.id || got.Category != tt.category || got.Priority < 1 || got.Confidence <= 0 {
				t.Errorf("Analyze(%q).Intent = %+v, want %s/%s", tt.text, got, tt.id, tt.category)
			}
		})
	}
}

func TestComplaintAndQualityComeFirst(t *testing.T) {
	prio := map[string]int{}
	for _, it := range intentdata.Intents {
		prio[it.ID] = it.Priority
	}
	for id, p := range prio {
		if id != "complaint" && id != "aftersale.quality" && p <= prio["complaint"] {
			t.Errorf("%s priority %d not after complaint %d", id, p, prio["complaint"])
		}
	}
}

func TestExtraIntents(t *testing.T) {
	e, err := Build(shopFAQ(t), Options{ExtraIntents: []IntentExamples{{
		ID: "custom.engraving", Category: "presale", Priority: 4,
		Examples: []string{"可以刻字吗", "能定制刻名字吗", "刻字要加钱吗", "能在背面刻字吗", "can you engrave my name"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Analyze("可以帮我刻个名字吗", nil).Intent; got.ID != "custom.engraving" || got.Category != "presale" {
		t.Errorf("got %+v", got)
	}
	if _, err := Build(shopFAQ(t), Options{ExtraIntents: []IntentExamples{{ID: "new.one", Examples: []string{"x"}}}}); err == nil {
		t.Error("new intent without a category accepted")
	}
}

func TestEveryIntentHasEnoughExamples(t *testing.T) {
	zh, en := map[string]int{}, map[string]int{}
	current := ""
	for _, line := range dataLines(intentdata.Train) {
		if line[0] == '[' {
			current = line[1 : len(line)-1]
			continue
		}
		if hasHan(line) {
			zh[current]++
		} else {
			en[current]++
		}
	}
	for _, it := range intentdata.Intents {
		if zh[it.ID] < 60 || en[it.ID] < 30 {
			t.Errorf("intent %s has %d Chinese and %d English examples, want 60 and 30", it.ID, zh[it.ID], en[it.ID])
		}
	}
}

func TestAnalyzerWithoutFAQ(t *testing.T) {
	a, err := NewAnalyzer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := a.Analyze("我要投诉！订单123456789012345678三天了还没发货", []string{"怎么还没发货"})
	if got.Intent.ID != "complaint" {
		t.Errorf("intent %+v, want complaint", got.Intent)
	}
	if len(got.Entities) != 1 || got.Entities[0].Kind != EntityOrderNumber {
		t.Errorf("entities %+v, want one order number", got.Entities)
	}
	if got.Frustration < 0.5 {
		t.Errorf("frustration %.2f, want >= 0.5", got.Frustration)
	}
	if len(a.IntentIDs()) != len(intentdata.Intents) {
		t.Errorf("IntentIDs %v", a.IntentIDs())
	}
}
