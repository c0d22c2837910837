package kb

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Limits on one FAQ.
const (
	maxQuestion = 500
	maxSimilar  = 300
	maxAnswers  = 10
	maxAnswer   = 5000
	maxTags     = 20
	maxTag      = 30
)

// NormalizeContent trims a FAQ's content, drops empty and repeated similar
// questions and tags, and checks every limit; the error names the field.
func NormalizeContent(c *model.FAQContent) error {
	c.Question = strings.TrimSpace(c.Question)
	if c.Question == "" || utf8.RuneCountInString(c.Question) > maxQuestion {
		return &FieldError{Field: "question", Message: fmt.Sprintf("question must be 1-%d characters", maxQuestion)}
	}
	c.Similar = cleanList(c.Similar, c.Question)
	if len(c.Similar) > maxSimilar {
		return &FieldError{Field: "similar", Message: fmt.Sprintf("at most %d similar questions", maxSimilar)}
	}
	for i, q := range c.Similar {
		if utf8.RuneCountInString(q) > maxQuestion {
			return &FieldError{Field: fmt.Sprintf("similar[%d]", i), Message: fmt.Sprintf("at most %d characters", maxQuestion)}
		}
	}
	if len(c.Answers) == 0 || len(c.Answers) > maxAnswers {
		return &FieldError{Field: "answers", Message: fmt.Sprintf("a FAQ needs 1-%d answers", maxAnswers)}
	}
	for i := range c.Answers {
		if err := normalizeAnswer(&c.Answers[i]); err != nil {
			err.Field = fmt.Sprintf("answers[%d].%s", i, err.Field)
			return err
		}
	}
	c.Tags = cleanList(c.Tags, "")
	if len(c.Tags) > maxTags {
		return &FieldError{Field: "tags", Message: fmt.Sprintf("at most %d tags", maxTags)}
	}
	for i, t := range c.Tags {
		if utf8.RuneCountInString(t) > maxTag || strings.ContainsAny(t, " #,") {
			return &FieldError{Field: fmt.Sprintf("tags[%d]", i), Message: fmt.Sprintf("a tag is 1-%d characters without spaces, '#' or ','", maxTag)}
		}
	}
	if !c.ValidFrom.IsZero() && !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.ValidFrom) {
		return &FieldError{Field: "valid_until", Message: "valid_until must be after valid_from"}
	}
	return nil
}

func normalizeAnswer(a *model.Answer) *FieldError {
	a.Text, a.URL, a.Title = strings.TrimSpace(a.Text), strings.TrimSpace(a.URL), strings.TrimSpace(a.Title)
	if a.Type == "" {
		a.Type = model.AnswerText
	}
	if a.Lang != "" && a.Lang != "zh-CN" && a.Lang != "en" {
		return &FieldError{Field: "lang", Message: "lang must be zh-CN, en or empty"}
	}
	if utf8.RuneCountInString(a.Text) > maxAnswer {
		return &FieldError{Field: "text", Message: fmt.Sprintf("at most %d characters", maxAnswer)}
	}
	switch a.Type {
	case model.AnswerText:
		if a.Text == "" {
			return &FieldError{Field: "text", Message: "a text answer needs text"}
		}
	case model.AnswerImage, model.AnswerLink:
		if u, err := url.Parse(a.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &FieldError{Field: "url", Message: "an image or link answer needs an http(s) URL"}
		}
	case model.AnswerProduct:
		if a.ProductID == "" || len(a.ProductID) > 64 {
			return &FieldError{Field: "product_id", Message: "a product answer needs the shop's product id"}
		}
	default:
		return &FieldError{Field: "type", Message: "type must be text, image, link or product"}
	}
	return nil
}

// cleanList trims items and drops empty ones, repeats, and skip.
func cleanList(items []string, skip string) []string {
	seen := map[string]bool{skip: true}
	out := make([]string, 0, len(items))
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
