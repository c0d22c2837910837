package commerce

import (
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// catalogue holds every name the commerce data is shown with, per language:
// order statuses, refund and coupon states, member levels and built-in tags.
// Handlers and the bot take names from here, never from strings of their
// own.
var catalogue = map[string]map[string]string{
	"zh-CN": {
		"order.unpaid": "待付款", "order.paid": "待发货", "order.shipped": "已发货", "order.delivered": "已签收",
		"order.completed": "已完成", "order.refunding": "退款中", "order.refunded": "已退款", "order.closed": "已关闭",
		"refund.requested": "退款申请中", "refund.approved": "退款已同意", "refund.rejected": "退款被拒绝",
		"refund.refunded": "已退款",
		"coupon.issued":   "未使用", "coupon.used": "已使用", "coupon.expired": "已过期",
		"level.normal": "普通会员", "level.vip1": "VIP1", "level.vip2": "VIP2", "level.vip3": "VIP3",
		"tag.new": "新客", "tag.returning": "老客", "tag.high_value": "高价值", "tag.recent_refund": "近期退款",
		"tag.inactive": "沉睡客户", "tag.bad_review": "给过差评",
		"product.on_sale": "在售", "product.off_shelf": "已下架",
	},
	"en": {
		"order.unpaid": "Awaiting payment", "order.paid": "Awaiting shipment", "order.shipped": "Shipped",
		"order.delivered": "Delivered", "order.completed": "Completed", "order.refunding": "Refund in progress",
		"order.refunded": "Refunded", "order.closed": "Closed",
		"refund.requested": "Refund requested", "refund.approved": "Refund approved", "refund.rejected": "Refund rejected",
		"refund.refunded": "Refunded",
		"coupon.issued":   "Unused", "coupon.used": "Used", "coupon.expired": "Expired",
		"level.normal": "Regular", "level.vip1": "VIP1", "level.vip2": "VIP2", "level.vip3": "VIP3",
		"tag.new": "New buyer", "tag.returning": "Returning buyer", "tag.high_value": "High value",
		"tag.recent_refund": "Recent refund", "tag.inactive": "Inactive", "tag.bad_review": "Left a bad review",
		"product.on_sale": "On sale", "product.off_shelf": "Off shelf",
	},
}

// Label is the name of a catalogue key in lang (zh-CN when lang is not
// known), or the key's last part when the catalogue has no name for it.
func Label(lang, key string) string {
	if s, ok := catalogue[lang][key]; ok {
		return s
	}
	if s, ok := catalogue["zh-CN"][key]; ok {
		return s
	}
	_, last, _ := strings.Cut(key, ".")
	return last
}

// StatusLabel names an order status: 待付款, 已发货...
func StatusLabel(lang string, s model.OrderStatus) string { return Label(lang, "order."+string(s)) }

// RefundLabel names a refund state; empty for none.
func RefundLabel(lang string, r model.RefundState) string {
	if r == model.RefundNone {
		return ""
	}
	return Label(lang, "refund."+string(r))
}

// LevelLabel names a member level; empty when none is known.
func LevelLabel(lang, level string) string {
	if level == "" {
		return ""
	}
	return Label(lang, "level."+level)
}

// statusAliases lets files and APIs name a status in Chinese as merchants'
// own systems export it.
var statusAliases = func() map[string]model.OrderStatus {
	m := map[string]model.OrderStatus{}
	for _, s := range model.OrderStatuses() {
		m[string(s)] = s
		m[catalogue["zh-CN"]["order."+string(s)]] = s
	}
	return m
}()

// levelAliases maps what shops call member levels to the level codes.
var levelAliases = map[string]string{
	"": "", "normal": model.LevelNormal, "普通": model.LevelNormal, "普通会员": model.LevelNormal,
	"vip1": model.LevelVIP1, "vip2": model.LevelVIP2, "vip3": model.LevelVIP3,
}
