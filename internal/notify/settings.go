package notify

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// PreferencesView is what the API shows of one set of preferences, with
// what there is to choose from.
type PreferencesView struct {
	Preferences Preferences `json:"preferences"`
	// Inherited: the agent saved none, so the shop's defaults apply.
	Inherited bool            `json:"inherited"`
	Channels  []ChannelOption `json:"channels"`
	Events    []string        `json:"events"`
	Sounds    []string        `json:"sounds"`
}

// ChannelOption is a channel an agent may push to.
type ChannelOption struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// Preferences returns an agent's preferences (account 0: the shop's
// defaults).
func (s *Service) Preferences(ctx context.Context, shopID, accountID int64) (PreferencesView, error) {
	out := PreferencesView{Events: Events, Sounds: Sounds, Channels: []ChannelOption{}}
	raw, err := s.st.NotifyPrefs(ctx, shopID, accountID)
	switch {
	case errors.Is(err, store.ErrNotFound) && accountID != 0:
		out.Inherited = true
		if raw, err = s.st.NotifyPrefs(ctx, shopID, 0); errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	case errors.Is(err, store.ErrNotFound):
		err = nil
	}
	if err != nil {
		return out, err
	}
	out.Preferences = parsePreferences(raw)
	chs, err := s.st.ListNotifyTargets(ctx, shopID, store.PurposeChannel)
	if err != nil {
		return out, err
	}
	for _, c := range chs {
		out.Channels = append(out.Channels, ChannelOption{ID: c.ID, Kind: c.Kind, Name: c.Name, Enabled: c.Enabled})
	}
	return out, nil
}

// SetPreferences validates and saves an agent's preferences (account 0:
// the shop's defaults).
func (s *Service) SetPreferences(ctx context.Context, shopID, accountID int64, p Preferences) (PreferencesView, error) {
	chs, err := s.st.ListNotifyTargets(ctx, shopID, store.PurposeChannel)
	if err != nil {
		return PreferencesView{}, err
	}
	ids := make([]int64, len(chs))
	for i, c := range chs {
		ids[i] = c.ID
	}
	if p.Events == nil {
		p.Events = map[string]EventPref{}
	}
	if p.Channels == nil {
		p.Channels = []int64{}
	}
	if err := p.Validate(ids); err != nil {
		return PreferencesView{}, err
	}
	raw, _ := json.Marshal(p)
	if err := s.st.PutNotifyPrefs(ctx, shopID, accountID, string(raw)); err != nil {
		return PreferencesView{}, err
	}
	if err := s.RefreshSubscriptions(ctx, shopID); err != nil {
		return PreferencesView{}, err
	}
	return s.Preferences(ctx, shopID, accountID)
}

// ResetPreferences drops an agent's own preferences: the shop's defaults
// apply again.
func (s *Service) ResetPreferences(ctx context.Context, shopID, accountID int64) (PreferencesView, error) {
	if err := s.st.DeleteNotifyPrefs(ctx, shopID, accountID); err != nil {
		return PreferencesView{}, err
	}
	if err := s.RefreshSubscriptions(ctx, shopID); err != nil {
		return PreferencesView{}, err
	}
	return s.Preferences(ctx, shopID, accountID)
}
