package nlp

import (
	"regexp"
	"testing"
)

func TestEntities(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Entity // Kind and Value must match, in order of kind filter
	}{
		{"order number", "订单号123456789012345678还没发货", []Entity{{Kind: EntityOrderNumber, Value: "123456789012345678"}}},
		{"phone", "我的电话是13812345678", []Entity{{Kind: EntityPhone, Value: "13812345678"}}},
		{"phone with country code", "call +86 13912345678", []Entity{{Kind: EntityPhone, Value: "13912345678"}}},
		{"tracking with prefix", "单号SF1234567890123查一下", []Entity{{Kind: EntityTracking, Value: "SF1234567890123"}}},
		{"tracking by context", "快递单号：773012345678901", []Entity{{Kind: EntityTracking, Value: "773012345678901"}}},
		{"letter size", "有XL码吗", []Entity{{Kind: EntitySize, Value: "XL"}}},
		{"one size", "是均码吗", []Entity{{Kind: EntitySize, Value: "均码"}}},
		{"shoe size", "我穿39码的鞋", []Entity{{Kind: EntitySize, Value: "39"}}},
		{"colour", "酒红色还有吗", []Entity{{Kind: EntityColour, Value: "burgundy"}}},
		{"english colour", "do you have it in black", []Entity{{Kind: EntityColour, Value: "black"}}},
		{"height and weight in jin", "身高170体重120斤穿什么码", []Entity{{Kind: EntityHeight, Value: "170cm"}, {Kind: EntityWeight, Value: "60kg"}}},
		{"height in metres", "我1米65，52公斤", []Entity{{Kind: EntityHeight, Value: "165cm"}, {Kind: EntityWeight, Value: "52kg"}}},
		{"feet and inches", "I'm 5ft 9 and 60kg", []Entity{{Kind: EntityHeight, Value: "175cm"}, {Kind: EntityWeight, Value: "60kg"}}},
		{"pounds", "I weigh 150 lbs", []Entity{{Kind: EntityWeight, Value: "68kg"}}},
		{"quantity", "买两件有优惠吗", []Entity{{Kind: EntityQuantity, Value: "2"}}},
		{"quantity digits", "I want 3 pieces", []Entity{{Kind: EntityQuantity, Value: "3"}}},
		{"money yuan", "99.9元能包邮吗", []Entity{{Kind: EntityMoney, Value: "99.9 CNY"}}},
		{"money dollars", "is it $20", []Entity{{Kind: EntityMoney, Value: "20 USD"}}},
		{"date", "6月18号能到吗", []Entity{{Kind: EntityDate, Value: "6月18号"}}},
		{"relative date", "明天能发货吗", []Entity{{Kind: EntityDate, Value: "明天"}}},
		{"nothing", "你好", nil},
	}
	x := newEntityExtractor(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.extract(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("extract(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
			for i := range got {
				if got[i].Kind != tt.want[i].Kind || got[i].Value != tt.want[i].Value {
					t.Errorf("extract(%q)[%d] = %+v, want %+v", tt.text, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestShopOrderNumberFormat(t *testing.T) {
	x := newEntityExtractor(regexp.MustCompile(`XE-\d{6}`))
	got := x.extract("订单xe-123456，电话13812345678")
	if len(got) != 2 || got[0].Kind != EntityOrderNumber || got[0].Value != "XE-123456" || got[1].Kind != EntityPhone {
		t.Errorf("got %+v", got)
	}
}
