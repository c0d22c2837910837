package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type groupJSON struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Members []int64 `json:"members"`
}

// groupList lists the shop's agent groups and their members.
func (s *Server) groupList(w http.ResponseWriter, r *http.Request) error {
	gs, err := s.store.ListGroups(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	out := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		members := g.Members
		if members == nil {
			members = []int64{}
		}
		out = append(out, groupJSON{ID: g.ID, Name: g.Name, Members: members})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type groupCreateRequest struct {
	Name string `json:"name"`
}

// groupCreate adds an agent group.
func (s *Server) groupCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var req groupCreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len([]rune(name)) > 50 {
		return badRequest("bad_field", "name", "group name must be 1-50 characters")
	}
	g, err := s.store.CreateGroup(r.Context(), store.Group{ShopID: st.shop.ID, Name: name})
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "group.create", name, "")
	writeJSON(w, http.StatusCreated, groupJSON{ID: g.ID, Name: g.Name, Members: []int64{}})
	return nil
}

type groupMembersRequest struct {
	Members []int64 `json:"members"`
}

// groupSetMembers replaces a group's members; accounts that are not members
// of the shop are refused.
func (s *Server) groupSetMembers(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req groupMembersRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	for i, a := range req.Members {
		if _, err := s.store.GetMember(r.Context(), st.shop.ID, a); err != nil {
			return badRequest("bad_member", fmt.Sprintf("members[%d]", i), fmt.Sprintf("account %d is not a member of this shop", a))
		}
	}
	if err := s.store.SetGroupMembers(r.Context(), st.shop.ID, id, req.Members); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "group.members", fmt.Sprint(id), fmt.Sprint(req.Members))
	s.chat.PublishMember(r.Context(), st.shop.ID, 0)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// groupDelete removes an agent group.
func (s *Server) groupDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteGroup(r.Context(), st.shop.ID, id); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "group.delete", fmt.Sprint(id), "")
	s.chat.PublishMember(r.Context(), st.shop.ID, 0)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
