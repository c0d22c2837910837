package model

import "time"

// FAQStatus says whether a FAQ is live.
type FAQStatus string

// FAQ statuses. A published FAQ whose working copy was edited since is
// "modified": buyers still get the published copy until the edit is
// published.
const (
	FAQDraft     FAQStatus = "draft"
	FAQPublished FAQStatus = "published"
	FAQModified  FAQStatus = "modified"
)

// Answer kinds.
const (
	AnswerText    = "text"
	AnswerImage   = "image"
	AnswerLink    = "link"
	AnswerProduct = "product"
)

// Answer is one reply a FAQ can give. A FAQ with several answers in the
// buyer's language rotates through them.
type Answer struct {
	Type      string `json:"type"`           // text, image, link, product
	Lang      string `json:"lang,omitempty"` // zh-CN or en; empty for any
	Text      string `json:"text,omitempty"`
	URL       string `json:"url,omitempty"`        // image or link target
	Title     string `json:"title,omitempty"`      // link or product title
	ProductID string `json:"product_id,omitempty"` // the shop's own product id (product card)
}

// FAQContent is what a merchant writes: the standard question, other ways
// buyers ask it, the answers, tags and when it is valid.
type FAQContent struct {
	Question   string    `json:"question"`
	Similar    []string  `json:"similar"`
	Answers    []Answer  `json:"answers"`
	Tags       []string  `json:"tags,omitempty"`
	CategoryID int64     `json:"category_id,omitempty"`
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// ValidAt reports whether the content may be answered at t.
func (c FAQContent) ValidAt(t time.Time) bool {
	if !c.ValidFrom.IsZero() && t.Before(c.ValidFrom) {
		return false
	}
	return c.ValidUntil.IsZero() || t.Before(c.ValidUntil)
}

// MergeConflict is a field a pack upgrade could not merge because both the
// pack and the merchant changed it.
type MergeConflict struct {
	Field  string `json:"field"`  // question, answers, tags, similar
	Mine   string `json:"mine"`   // the merchant's value (JSON)
	Theirs string `json:"theirs"` // the new pack's value (JSON)
}

// FAQ is one entry of a shop's knowledge base with its working copy and,
// when published, its live copy.
type FAQ struct {
	ID          int64
	ShopID      int64
	Key         string // stable id for import, export and packs
	Content     FAQContent
	Live        *FAQContent // nil when not published
	Status      FAQStatus
	PackID      string      // the answer pack it came from, if any
	PackVersion int         // the pack version it was merged from
	PackBase    *FAQContent // that pack version's content, the base of a three-way merge
	Conflicts   []MergeConflict
	Revision    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	UpdatedBy   int64
}

// FAQRevision is one saved state of a FAQ in its history.
type FAQRevision struct {
	FAQID     int64
	Revision  int
	Action    string // create, update, publish, unpublish, revert, delete, import, pack
	ActorID   int64
	Status    FAQStatus
	Content   FAQContent
	CreatedAt time.Time
}

// Category groups FAQs; categories form a tree through ParentID.
type Category struct {
	ID       int64
	ShopID   int64
	ParentID int64
	Name     string
	Position int
}
