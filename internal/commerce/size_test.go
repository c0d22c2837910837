package commerce_test

import (
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

func TestRecommendSize(t *testing.T) {
	clothes := []model.SizeRange{{Size: "S", HeightMin: 150, HeightMax: 160, WeightMin: 40, WeightMax: 50},
		{Size: "M", HeightMin: 160, HeightMax: 170, WeightMin: 50, WeightMax: 60},
		{Size: "L", HeightMin: 170, HeightMax: 180, WeightMin: 60, WeightMax: 75}}
	shoes := []model.SizeRange{{Size: "38", FootMin: 235, FootMax: 239}, {Size: "39", FootMin: 240, FootMax: 244}}
	tests := []struct {
		name  string
		chart []model.SizeRange
		body  commerce.Body
		want  commerce.SizeAdvice
		ok    bool
	}{
		{"inside M", clothes, commerce.Body{HeightCm: 165, WeightKg: 55}, commerce.SizeAdvice{Size: "M", Exact: true}, true},
		{"height only", clothes, commerce.Body{HeightCm: 175}, commerce.SizeAdvice{Size: "L", Exact: true}, true},
		{"on the M/L border: the larger", clothes, commerce.Body{HeightCm: 170, WeightKg: 60}, commerce.SizeAdvice{Size: "L", Exact: true, Alternative: "M"}, true},
		{"tall but light: nearest", clothes, commerce.Body{HeightCm: 178, WeightKg: 52}, commerce.SizeAdvice{Size: "L"}, true},
		{"beyond the chart", clothes, commerce.Body{HeightCm: 195, WeightKg: 90}, commerce.SizeAdvice{Size: "L"}, true},
		{"foot length", shoes, commerce.Body{FootMm: 241}, commerce.SizeAdvice{Size: "39", Exact: true}, true},
		{"shoe chart, height given", shoes, commerce.Body{HeightCm: 170}, commerce.SizeAdvice{}, false},
		{"no chart", nil, commerce.Body{HeightCm: 170}, commerce.SizeAdvice{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := commerce.RecommendSize(tt.chart, tt.body)
			if got != tt.want || ok != tt.ok {
				t.Errorf("RecommendSize = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "+86 13812345678": "+86****5678", "12345": "1****5", "": "", "12": "****"} {
		if got := commerce.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabels(t *testing.T) {
	want := map[model.OrderStatus]string{model.OrderUnpaid: "待付款", model.OrderPaid: "待发货", model.OrderShipped: "已发货",
		model.OrderDelivered: "已签收", model.OrderCompleted: "已完成", model.OrderRefunding: "退款中", model.OrderRefunded: "已退款",
		model.OrderClosed: "已关闭"}
	for _, s := range model.OrderStatuses() {
		if got := commerce.StatusLabel("zh-CN", s); got != want[s] {
			t.Errorf("%s: %q, want %q", s, got, want[s])
		}
		if en := commerce.StatusLabel("en", s); en == "" || en == want[s] {
			t.Errorf("%s has no English name: %q", s, en)
		}
	}
}
