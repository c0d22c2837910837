// Package auth holds who may do what: permissions and the roles that grant
// them, password hashing, session and invitation tokens, and the signed
// identities of buyers (anonymous visitors and buyers verified by the
// merchant's site).
package auth

import (
	"slices"
	"sort"
)

// Permission is a named right checked by the server on every route.
type Permission string

// The permissions. Built-in roles grant fixed sets of them; custom roles are
// made from the same names.
const (
	ConversationsReadAssigned Permission = "conversations.read_assigned" // own conversations and own groups' queue
	ConversationsReadAll      Permission = "conversations.read_all"      // every conversation of the shop
	ConversationsReply        Permission = "conversations.reply"         // write to buyers in assigned conversations
	ConversationsTransfer     Permission = "conversations.transfer"      // hand own conversations to another agent or group
	ConversationsAssign       Permission = "conversations.assign"        // take over or reassign anyone's conversation
	ConversationsClose        Permission = "conversations.close"         // close conversations
	BuyersRead                Permission = "buyers.read"                 // see buyer profiles of visible conversations
	BuyersPhoneReveal         Permission = "buyers.phone.reveal"         // see a buyer's full phone number (audited)
	KBManage                  Permission = "kb.manage"                   // edit and publish the knowledge base
	AgentsManage              Permission = "agents.manage"               // members, invitations, roles, groups
	SettingsManage            Permission = "settings.manage"             // shop settings, secrets, bot switches
	ReportsRead               Permission = "reports.read"                // statistics
	AuditRead                 Permission = "audit.read"                  // the audit log
	ShopDataManage            Permission = "shopdata.manage"             // API keys, data import and export, buyer tag rules
)

// All lists every permission, sorted.
func All() []Permission {
	all := []Permission{ConversationsReadAssigned, ConversationsReadAll, ConversationsReply, ConversationsTransfer,
		ConversationsAssign, ConversationsClose, BuyersRead, BuyersPhoneReveal, KBManage, AgentsManage,
		SettingsManage, ReportsRead, AuditRead, ShopDataManage}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

// Known reports whether p is a permission xiaoer knows.
func Known(p Permission) bool { return slices.Contains(All(), p) }

// Built-in role names. A shop's custom roles may not take these names.
const (
	RoleOwner      = "owner"
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleAgent      = "agent"
)

// builtinRoles maps each built-in role to what it grants. The owner and the
// admin differ in one thing only: an admin cannot touch the owner role
// (enforced by the server, not by a permission).
var builtinRoles = map[string][]Permission{
	RoleOwner: All(),
	RoleAdmin: All(),
	RoleSupervisor: {ConversationsReadAssigned, ConversationsReadAll, ConversationsReply, ConversationsTransfer,
		ConversationsAssign, ConversationsClose, BuyersRead, BuyersPhoneReveal, KBManage, ReportsRead},
	RoleAgent: {ConversationsReadAssigned, ConversationsReply, ConversationsTransfer, ConversationsClose, BuyersRead},
}

// BuiltinRoles returns the built-in role names, most powerful first.
func BuiltinRoles() []string { return []string{RoleOwner, RoleAdmin, RoleSupervisor, RoleAgent} }

// IsBuiltinRole reports whether name is a built-in role.
func IsBuiltinRole(name string) bool { _, ok := builtinRoles[name]; return ok }

// BuiltinPermissions returns what a built-in role grants.
func BuiltinPermissions(role string) []Permission { return slices.Clone(builtinRoles[role]) }

// Set is a role's permissions, for quick checks.
type Set map[Permission]bool

// NewSet makes a Set of the known permissions among perms; unknown names are
// dropped, so an old custom role never grants a permission that was renamed.
func NewSet(perms []Permission) Set {
	s := Set{}
	for _, p := range perms {
		if Known(p) {
			s[p] = true
		}
	}
	return s
}

// Has reports whether the set grants p.
func (s Set) Has(p Permission) bool { return s[p] }

// List returns the set's permissions sorted.
func (s Set) List() []Permission {
	var out []Permission
	for p := range s {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
