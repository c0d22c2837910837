package server

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

type roleJSON struct {
	Name        string            `json:"name"`
	Builtin     bool              `json:"builtin"`
	Permissions []auth.Permission `json:"permissions"`
}

// roleList lists the built-in roles and the shop's custom roles.
func (s *Server) roleList(w http.ResponseWriter, r *http.Request) error {
	var out []roleJSON
	for _, name := range auth.BuiltinRoles() {
		out = append(out, roleJSON{Name: name, Builtin: true, Permissions: auth.BuiltinPermissions(name)})
	}
	custom, err := s.store.ListRoles(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	for _, cr := range custom {
		ps := make([]auth.Permission, len(cr.Permissions))
		for i, p := range cr.Permissions {
			ps[i] = auth.Permission(p)
		}
		out = append(out, roleJSON{Name: cr.Name, Permissions: ps})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type rolePutRequest struct {
	Permissions []auth.Permission `json:"permissions"`
}

// rolePut creates or replaces a custom role made of known permissions.
func (s *Server) rolePut(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	name := r.PathValue("name")
	if err := auth.CheckRoleName(name); err != nil {
		return badRequest("bad_field", "name", err.Error())
	}
	var req rolePutRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	names := []string{}
	if req.Permissions == nil {
		req.Permissions = []auth.Permission{} // answered as [], not null
	}
	for i, p := range req.Permissions {
		if !auth.Known(p) {
			return badRequest("bad_permission", fmt.Sprintf("permissions[%d]", i), fmt.Sprintf("unknown permission %q", p))
		}
		// Nobody grants what they do not hold themselves.
		if !st.perms.Has(p) {
			return errForbidden(fmt.Sprintf("you cannot grant %s", p))
		}
		names = append(names, string(p))
	}
	if err := s.store.PutRole(r.Context(), store.Role{ShopID: st.shop.ID, Name: name, Permissions: names}); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "role.put", name, strings.Join(names, " "))
	s.chat.PublishMember(r.Context(), st.shop.ID, 0)
	writeJSON(w, http.StatusOK, roleJSON{Name: name, Permissions: req.Permissions})
	return nil
}

// roleDelete removes a custom role nobody holds.
func (s *Server) roleDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	name := r.PathValue("name")
	if auth.IsBuiltinRole(name) {
		return badRequest("builtin_role", "name", "built-in roles cannot be deleted")
	}
	err := s.store.DeleteRole(r.Context(), st.shop.ID, name)
	if errors.Is(err, store.ErrConflict) {
		return errConflict("role_in_use", "members still hold this role; give them another role first")
	}
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "role.delete", name, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
var phonePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

func isEmail(s string) bool { return emailPattern.MatchString(s) }
func isPhone(s string) bool { return phonePattern.MatchString(s) }
