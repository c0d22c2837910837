package chat

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Errors of a buyer's rating.
var (
	ErrBadRating    = errors.New("rating must be a whole number from 1 to 5")
	ErrBadComment   = errors.New("rating comment is too long")
	ErrNotClosed    = errors.New("a conversation is rated once it is closed")
	ErrAlreadyRated = errors.New("conversation is already rated")
)

// MaxRatingComment is the longest rating comment, in characters.
const MaxRatingComment = 500

// Assign gives a conversation to an agent under the conditions of a (the
// agent's status and cap, checked in the same transaction) and announces
// the change. It fails with store.ErrUnavailable, store.ErrStale or
// store.ErrNotFound.
func (s *Service) Assign(ctx context.Context, a store.Assignment) (model.Conversation, model.Event, error) {
	c, e, err := s.store.AssignConversation(ctx, a)
	if err != nil {
		return c, e, err
	}
	s.publishConversation(ctx, c, e, a.Change.FromAgentID)
	return c, e, nil
}

// Rate stores the buyer's rating (1-5, with an optional comment) of their
// closed conversation, once.
func (s *Service) Rate(ctx context.Context, shopID, conversationID, buyerID int64, rating int, comment string) error {
	if rating < 1 || rating > 5 {
		return ErrBadRating
	}
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		return ErrBadComment
	}
	c, err := s.store.GetConversation(ctx, shopID, conversationID)
	if err != nil {
		return err
	}
	if c.BuyerID != buyerID {
		return ErrNotYours
	}
	if c.Owner != model.OwnerClosed {
		return ErrNotClosed
	}
	err = s.store.RateConversation(ctx, shopID, conversationID, rating, comment)
	if errors.Is(err, store.ErrConflict) {
		return ErrAlreadyRated
	}
	if err != nil {
		return fmt.Errorf("chat: rate conversation %d: %w", conversationID, err)
	}
	return nil
}
