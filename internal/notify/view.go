package notify

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// viewTTL bounds how stale a shop's cached members, preferences and targets
// may be on a node that did not make the change itself.
const viewTTL = 10 * time.Second

// shopView is what deciding who hears about an event needs of a shop,
// read once and kept for viewTTL.
type shopView struct {
	loaded   time.Time
	shop     model.Shop
	members  []*memberView // in account id order
	defaults Preferences
	own      map[int64]Preferences // saved by the agent
	channels map[int64]store.NotifyTarget
	webhooks []store.NotifyTarget
}

// memberView is one member as notifications see them.
type memberView struct {
	id     int64
	name   string
	perms  auth.Set
	groups []int64
}

func (m *memberView) workbench() bool {
	return m.perms.Has(auth.ConversationsReadAssigned) || m.perms.Has(auth.ConversationsReadAll)
}

// prefs are an agent's preferences: their own, else the shop's defaults.
func (v *shopView) prefs(accountID int64) Preferences {
	if p, ok := v.own[accountID]; ok {
		return p
	}
	return v.defaults
}

func (v *shopView) member(id int64) *memberView {
	for _, m := range v.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

// queueAudience are the members who see a group's queue as theirs: those
// with the workbench in the group (every one of them for the general queue,
// group 0).
func (v *shopView) queueAudience(groupID int64) []*memberView {
	var out []*memberView
	for _, m := range v.members {
		if m.workbench() && (groupID == 0 || slices.Contains(m.groups, groupID)) {
			out = append(out, m)
		}
	}
	return out
}

// supervisors are the members who read every conversation.
func (v *shopView) supervisors() []*memberView {
	var out []*memberView
	for _, m := range v.members {
		if m.perms.Has(auth.ConversationsReadAll) {
			out = append(out, m)
		}
	}
	return out
}

// view returns the shop's view, loading it when missing or stale.
func (s *Service) view(ctx context.Context, shopID int64) (*shopView, error) {
	s.mu.Lock()
	v := s.views[shopID]
	s.mu.Unlock()
	if v != nil && s.now().Sub(v.loaded) < viewTTL && !s.now().Before(v.loaded) {
		return v, nil
	}
	v, err := s.loadView(ctx, shopID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.views[shopID] = v
	s.mu.Unlock()
	return v, nil
}

// invalidate drops a shop's cached view after a change.
func (s *Service) invalidate(shopID int64) {
	s.mu.Lock()
	delete(s.views, shopID)
	s.mu.Unlock()
}

func (s *Service) loadView(ctx context.Context, shopID int64) (*shopView, error) {
	v := &shopView{loaded: s.now(), own: map[int64]Preferences{}, channels: map[int64]store.NotifyTarget{}}
	var err error
	if v.shop, err = s.st.GetShop(ctx, shopID); err != nil {
		return nil, err
	}
	members, err := s.st.ListMembers(ctx, shopID)
	if err != nil {
		return nil, err
	}
	groups, err := s.st.ListGroups(ctx, shopID)
	if err != nil {
		return nil, err
	}
	roles := map[string]auth.Set{}
	for _, m := range members {
		ps, ok := roles[m.Role]
		if !ok {
			if ps, err = s.permissions(ctx, shopID, m.Role); err != nil {
				return nil, err
			}
			roles[m.Role] = ps
		}
		mv := &memberView{id: m.AccountID, name: m.Account.DisplayName, perms: ps}
		if mv.name == "" {
			mv.name = m.Account.Username
		}
		for _, g := range groups {
			if slices.Contains(g.Members, m.AccountID) {
				mv.groups = append(mv.groups, g.ID)
			}
		}
		v.members = append(v.members, mv)
	}
	slices.SortFunc(v.members, func(a, b *memberView) int { return int(a.id - b.id) })
	saved, err := s.st.ListNotifyPrefs(ctx, shopID)
	if err != nil {
		return nil, err
	}
	v.defaults = DefaultPreferences()
	for id, raw := range saved {
		if id == 0 {
			v.defaults = parsePreferences(raw)
		} else {
			v.own[id] = parsePreferences(raw)
		}
	}
	targets, err := s.st.ListNotifyTargets(ctx, shopID, "")
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		switch {
		case !t.Enabled:
		case t.Purpose == store.PurposeChannel:
			v.channels[t.ID] = t
		case t.Purpose == store.PurposeWebhook:
			v.webhooks = append(v.webhooks, t)
		}
	}
	return v, nil
}

// permissions resolves a role: built-in roles from auth, custom ones from
// the shop's stored roles (a role that is gone grants nothing).
func (s *Service) permissions(ctx context.Context, shopID int64, role string) (auth.Set, error) {
	if auth.IsBuiltinRole(role) {
		return auth.NewSet(auth.BuiltinPermissions(role)), nil
	}
	r, err := s.st.GetRole(ctx, shopID, role)
	if errors.Is(err, store.ErrNotFound) {
		return auth.Set{}, nil
	}
	if err != nil {
		return nil, err
	}
	ps := make([]auth.Permission, len(r.Permissions))
	for i, p := range r.Permissions {
		ps[i] = auth.Permission(p)
	}
	return auth.NewSet(ps), nil
}
