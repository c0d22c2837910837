package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// smallTalkWords are short messages that are only a greeting, thanks or a
// goodbye, whatever the intent model makes of them (it reads longer
// messages better than single words).
var smallTalkWords = map[string][]string{
	"greeting": {"你好", "您好", "在吗", "在不在", "在么", "哈喽", "嗨", "hi", "hello", "hey", "hi there", "hello there", "good morning"},
	"thanks":   {"谢谢", "多谢", "谢了", "感谢", "谢谢你", "thanks", "thank you", "thx", "ty", "thanks a lot"},
	"goodbye":  {"再见", "拜拜", "bye", "goodbye", "bye bye", "see you"},
}

// smallTalkMax is the longest message small talk answers, in characters:
// "你好，我的快递到哪了" is a question, not a greeting.
const smallTalkMax = 12

// trailingParticles are dropped before a message is compared with the
// small-talk words: 你好呀, 谢谢啦.
const trailingParticles = "呀啊啦哈哦喔噢~～!！.。"

// smallTalk answers a greeting, thanks or goodbye the FAQ did not.
func (t *turn) smallTalk() *reply {
	if !t.cfg.SmallTalk || utf8.RuneCountInString(t.folded) > smallTalkMax {
		return nil
	}
	kind := ""
	in := t.m.Analysis.Intent
	if _, ok := smallTalkWords[in.ID]; ok && in.Confidence >= humanConfidence {
		kind = in.ID
	}
	bare := strings.TrimRight(t.folded, trailingParticles)
	for k, words := range smallTalkWords {
		if kind == "" && slices.Contains(words, bare) {
			kind = k
		}
	}
	if kind == "" && t.folded == "" {
		kind = reactionKind(t.msg.Body)
	}
	if kind == "" {
		return nil
	}
	return t.say("smalltalk", "smalltalk."+kind, nil)
}

// negativeReactions are emoji that say something is wrong: they get no
// cheerful small talk (the frustration score and the fallback see them).
const negativeReactions = "😡😠🤬😤💢👎😭😢😞😒🙄😫😩"

// reactionKind reads a message of no words or digits, only emoji and
// punctuation: "??" or "？？？" nudges like 在吗 and gets the greeting; 👍,
// 😊, 🙏 or "。。" acknowledge and get the thanks reply. Negative emoji get
// none. Without this such a message fell through to the fallback and
// counted as a miss toward handing the buyer over.
func reactionKind(body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	asks := false
	for _, r := range body {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(negativeReactions, r):
			return ""
		case r == '?' || r == '？':
			asks = true
		}
	}
	if asks {
		return "greeting"
	}
	return "thanks"
}
