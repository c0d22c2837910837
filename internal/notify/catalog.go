package notify

import (
	"strings"
)

// catalog holds every text a person reads in a push or an alert, in
// Simplified Chinese and English. {name} is replaced by the value given.
var catalog = map[string]map[string]string{
	"zh-CN": {
		"title." + EventQueue:     "新会话排队",
		"title." + EventHandoff:   "机器人转人工",
		"title." + EventAssigned:  "会话已分配",
		"title." + EventNewBuyer:  "新客消息",
		"title." + EventMessage:   "买家消息",
		"title." + EventOffline:   "非工作时间留言",
		"title." + EventBadRating: "差评提醒（{rating} 星）",
		"title." + EventWaiting:   "会话已等待 {minutes} 分钟",
		"title.summary":           "{n} 条新提醒",
		"title.test":              "店小二测试消息",
		"line.buyer":              "买家：{buyer}",
		"line.text":               "“{text}”",
		"line.reason":             "原因：{reason}",
		"line.for":                "提醒：{agents}",
		"line.more":               "……另有 {n} 条",
		"line.test":               "通知渠道「{name}」设置成功，这是一条测试消息。",
		"visitor":                 "访客 #{id}",
		"link.open":               "打开会话",
		"link.desk":               "打开工作台",
		"reason.human_request":    "买家要求人工",
		"reason.misses":           "机器人多次未能回答",
		"reason.frustration":      "买家情绪不满",
		"reason.vip":              "VIP 买家",
		"reason.keyword":          "触发关键词",
		"reason.always_human":     "需人工处理的问题",
		"reason.task":             "需人工办理",
		"reason.escalated":        "等待超时升级",
		"reason.agent_silent":     "客服长时间未回复",
	},
	"en": {
		"title." + EventQueue:     "New conversation waiting",
		"title." + EventHandoff:   "The bot handed over a conversation",
		"title." + EventAssigned:  "Conversation assigned",
		"title." + EventNewBuyer:  "Message from a new buyer",
		"title." + EventMessage:   "Buyer message",
		"title." + EventOffline:   "Message left out of hours",
		"title." + EventBadRating: "Bad rating ({rating}★)",
		"title." + EventWaiting:   "Waiting for {minutes} min",
		"title.summary":           "{n} new notifications",
		"title.test":              "xiaoer test message",
		"line.buyer":              "Buyer: {buyer}",
		"line.text":               "“{text}”",
		"line.reason":             "Reason: {reason}",
		"line.for":                "For: {agents}",
		"line.more":               "…and {n} more",
		"line.test":               "Channel “{name}” is set up: this is a test message.",
		"visitor":                 "Visitor #{id}",
		"link.open":               "Open conversation",
		"link.desk":               "Open workbench",
		"reason.human_request":    "the buyer asked for a person",
		"reason.misses":           "the bot could not answer",
		"reason.frustration":      "the buyer is upset",
		"reason.vip":              "VIP buyer",
		"reason.keyword":          "keyword",
		"reason.always_human":     "a question for people",
		"reason.task":             "a task for people",
		"reason.escalated":        "waited too long",
		"reason.agent_silent":     "the agent went silent",
	},
}

// text renders key in lang (Chinese when the language is unknown).
func text(lang, key string, args map[string]string) string {
	m, ok := catalog[lang]
	if !ok {
		m = catalog["zh-CN"]
	}
	s, ok := m[key]
	if !ok {
		s = catalog["zh-CN"][key]
	}
	for k, v := range args {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// reasonText names a handoff reason: "keyword:律师" becomes "触发关键词 律师";
// a reason the catalogue does not know is shown as it is.
func reasonText(lang, reason string) string {
	code, detail, _ := strings.Cut(reason, ":")
	if _, ok := catalog["zh-CN"]["reason."+code]; !ok {
		return reason
	}
	s := text(lang, "reason."+code, nil)
	if detail != "" && (code == "keyword") {
		s += " " + detail
	}
	return s
}
