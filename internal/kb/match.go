package kb

import (
	"slices"
	"time"
	"unicode"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Match is the shop engine's verdict on a buyer message, with what to say.
type Match struct {
	nlp.Result
	// Lang is the language of the message (zh-CN or en).
	Lang string `json:"lang"`
	// FAQ is the top candidate's live FAQ; Answer the reply to send when
	// the decision is to answer (several answers rotate).
	FAQ    *store.LiveFAQ `json:"-"`
	FAQKey string         `json:"faq_key,omitempty"`
	Answer *model.Answer  `json:"answer,omitempty"`
	// Choices are the "did you mean" questions when the decision is to
	// suggest.
	Choices []Choice `json:"choices,omitempty"`
	// IntentAllowed is false when the shop does not let the bot answer this
	// intent by itself.
	IntentAllowed bool `json:"intent_allowed"`
}

// Choice is one "did you mean" option a buyer can tap.
type Choice struct {
	FAQID    int64  `json:"faq_id"`
	Question string `json:"question"`
}

// Match decides what to do with a buyer message. history holds the buyer's
// earlier messages (for frustration). now re-checks validity, so an FAQ
// that expired since the last build is never answered.
func (se *ShopEngine) Match(text string, history []string, now time.Time, shopLang string) Match {
	m := Match{Lang: DetectLang(text, shopLang)}
	if se.Engine == nil {
		m.Result = nlp.Result{Decision: nlp.Fallback, Reason: "the shop has no published FAQ yet"}
		m.Analysis = se.Analyzer.Analyze(text, history)
	} else {
		m.Result = se.Engine.Match(text)
		m.Analysis = se.Engine.Analyze(text, history)
	}
	m.Candidates = slices.DeleteFunc(m.Candidates, func(c nlp.Candidate) bool {
		f, ok := se.FAQs[c.FAQID]
		return !ok || !f.Live.ValidAt(now)
	})
	if len(m.Candidates) == 0 && m.Decision != nlp.Fallback {
		m.Decision, m.Reason = nlp.Fallback, "the matched FAQ is no longer valid"
	}
	m.IntentAllowed = len(se.Settings.AutoIntents) == 0 || slices.Contains(se.Settings.AutoIntents, m.Analysis.Intent.ID)
	if len(m.Candidates) > 0 {
		f := se.FAQs[m.Candidates[0].FAQID]
		m.FAQ, m.FAQKey = &f, f.Key
	}
	switch m.Decision {
	case nlp.Answer:
		m.Answer = se.pickAnswer(m.FAQ.Live.Answers, m.Lang)
		if m.Answer == nil {
			m.Decision, m.Reason = nlp.Suggest, "the FAQ has no answer to send"
		}
	}
	if m.Decision == nlp.Suggest {
		for _, c := range m.Candidates {
			f := se.FAQs[c.FAQID]
			m.Choices = append(m.Choices, Choice{FAQID: f.ID, Question: choiceQuestion(f.Live, c.Question, m.Lang)})
		}
	}
	return m
}

// Answer returns the reply of a live FAQ in lang (for a tapped choice).
func (se *ShopEngine) AnswerOf(faqID int64, lang string, now time.Time) (*model.Answer, *store.LiveFAQ) {
	for _, f := range se.FAQs {
		if f.ID == faqID && f.Live.ValidAt(now) {
			return se.pickAnswer(f.Live.Answers, lang), &f
		}
	}
	return nil, nil
}

// pickAnswer rotates through the answers in the buyer's language, falling
// back to answers without a language and then to any answer.
func (se *ShopEngine) pickAnswer(answers []model.Answer, lang string) *model.Answer {
	var pool []model.Answer
	for _, match := range []func(model.Answer) bool{
		func(a model.Answer) bool { return a.Lang == lang },
		func(a model.Answer) bool { return a.Lang == "" },
		func(model.Answer) bool { return true },
	} {
		for _, a := range answers {
			if match(a) {
				pool = append(pool, a)
			}
		}
		if len(pool) > 0 {
			break
		}
	}
	if len(pool) == 0 {
		return nil
	}
	a := pool[int(se.rotation.Add(1)-1)%len(pool)]
	return &a
}

// choiceQuestion shows a candidate in the buyer's language: the matched
// phrasing when it is in that language, else the standard question.
func choiceQuestion(c model.FAQContent, matched, lang string) string {
	if matched != "" && DetectLang(matched, lang) == lang {
		return matched
	}
	if DetectLang(c.Question, lang) == lang {
		return c.Question
	}
	for _, s := range c.Similar {
		if DetectLang(s, "") == lang {
			return s
		}
	}
	return c.Question
}

// DetectLang tells Chinese from English: any Han character means zh-CN;
// Latin letters without Han mean en; otherwise the fallback.
func DetectLang(text, fallback string) string {
	latin := false
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return "zh-CN"
		}
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			latin = true
		}
	}
	if latin {
		return "en"
	}
	if fallback == "" {
		return "zh-CN"
	}
	return fallback
}
