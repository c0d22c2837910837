package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
)

// who says who may call a route.
type who int

const (
	public  who = iota // anyone
	session            // a logged-in account
	member             // a member of the {shop} in the path holding one of Perms
	apikey             // the shop's own systems, with one of the shop's API keys (shopdata_auth.go)
	signed             // a webhook signed with an API key's signing secret (shopdata_auth.go)
)

// route is one line of the route table.
type route struct {
	Method  string
	Pattern string
	Who     who
	// Perms: a member needs at least one of them; empty means any member.
	Perms   []auth.Permission
	Handler handlerFunc
}

func perms(p ...auth.Permission) []auth.Permission { return p }

// routes is the whole API, read top to bottom.
func (s *Server) routes() []route {
	readConv := perms(auth.ConversationsReadAssigned, auth.ConversationsReadAll)
	shopData := perms(auth.ShopDataManage)
	kbm := perms(auth.KBManage)
	reports := perms(auth.ReportsRead)
	gapReaders := perms(auth.KBManage, auth.ReportsRead)
	settings := perms(auth.SettingsManage)
	return []route{
		{"GET", "/healthz", public, nil, s.healthz},
		{"GET", "/readyz", public, nil, s.readyz},
		{"GET", "/setup", public, nil, page("setup.html")},
		{"GET", "/invite", public, nil, page("invite.html")},
		{"GET", "/pages/{file}", public, nil, s.pageAsset},
		{"GET", "/{$}", public, nil, s.home},
		{"GET", "/chat/{shop}", public, nil, uiPage("widget/chat.html", true)},
		{"GET", "/widget.js", public, nil, uiPage("widget/widget.js", true)},
		{"GET", "/desk", public, nil, uiPage("desk/index.html", false)},
		{"GET", "/admin", public, nil, uiPage("admin/index.html", false)},
		{"GET", "/ui/{path...}", public, nil, s.uiAsset},
		{"POST", "/chat/{shop}/uploads", public, nil, s.uploadBuyer},
		{"GET", "/uploads/{shop}/{name}", public, nil, s.uploadGet},

		{"GET", "/api/v1/setup", public, nil, s.setupStatus},
		{"POST", "/api/v1/setup", public, nil, s.setupCreate},
		{"POST", "/api/v1/auth/login", public, nil, s.authLogin},
		{"POST", "/api/v1/auth/logout", session, nil, s.authLogout},
		{"GET", "/api/v1/me", session, nil, s.meGet},
		{"GET", "/api/v1/session", public, nil, s.sessionGet},
		{"PUT", "/api/v1/me/password", session, nil, s.mePassword},
		{"GET", "/api/v1/permissions", session, nil, s.permissionList},
		{"GET", "/api/v1/invitations/{token}", public, nil, s.invitationGet},
		{"POST", "/api/v1/invitations/{token}/accept", public, nil, s.invitationAccept},

		{"GET", "/api/v1/shops/{shop}", member, nil, s.shopGet},
		{"PATCH", "/api/v1/shops/{shop}", member, perms(auth.SettingsManage), s.shopUpdate},
		{"POST", "/api/v1/shops/{shop}/identity-secret", member, perms(auth.SettingsManage), s.shopRotateSecret},

		{"GET", "/api/v1/shops/{shop}/members", member, perms(auth.AgentsManage, auth.ConversationsTransfer, auth.ConversationsAssign), s.memberList},
		{"POST", "/api/v1/shops/{shop}/members", member, perms(auth.AgentsManage), s.memberAdd},
		{"PATCH", "/api/v1/shops/{shop}/members/{account}", member, perms(auth.AgentsManage), s.memberUpdate},
		{"DELETE", "/api/v1/shops/{shop}/members/{account}", member, perms(auth.AgentsManage), s.memberRemove},
		{"PUT", "/api/v1/shops/{shop}/status", member, nil, s.memberSetStatus},
		{"GET", "/api/v1/shops/{shop}/invitations", member, perms(auth.AgentsManage), s.invitationList},
		{"DELETE", "/api/v1/shops/{shop}/invitations/{id}", member, perms(auth.AgentsManage), s.invitationDelete},
		{"GET", "/api/v1/shops/{shop}/roles", member, perms(auth.AgentsManage), s.roleList},
		{"PUT", "/api/v1/shops/{shop}/roles/{name}", member, perms(auth.AgentsManage), s.rolePut},
		{"DELETE", "/api/v1/shops/{shop}/roles/{name}", member, perms(auth.AgentsManage), s.roleDelete},
		{"GET", "/api/v1/shops/{shop}/groups", member, perms(auth.AgentsManage, auth.ConversationsTransfer, auth.ConversationsAssign), s.groupList},
		{"POST", "/api/v1/shops/{shop}/groups", member, perms(auth.AgentsManage), s.groupCreate},
		{"PUT", "/api/v1/shops/{shop}/groups/{id}/members", member, perms(auth.AgentsManage), s.groupSetMembers},
		{"DELETE", "/api/v1/shops/{shop}/groups/{id}", member, perms(auth.AgentsManage), s.groupDelete},
		{"GET", "/api/v1/shops/{shop}/audit", member, perms(auth.AuditRead), s.auditList},
		{"GET", "/api/v1/shops/{shop}/system", member, perms(auth.SettingsManage), s.systemGet},
		{"POST", "/api/v1/shops/{shop}/system/backups", member, perms(auth.SettingsManage), s.backupCreate},

		{"GET", "/api/v1/shops/{shop}/conversations", member, readConv, s.conversationList},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}", member, readConv, s.conversationGet},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}/messages", member, readConv, s.messageList},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/messages", member, perms(auth.ConversationsReply), s.messageCreate},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}/events", member, readConv, s.eventList},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/take", member, perms(auth.ConversationsReply), s.conversationTake},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/assign", member, perms(auth.ConversationsAssign), s.conversationAssign},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/release", member, perms(auth.ConversationsReply, auth.ConversationsAssign), s.conversationRelease},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/close", member, perms(auth.ConversationsClose), s.conversationClose},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}/suggestions", member, perms(auth.ConversationsReply), s.conversationSuggestions},
		{"POST", "/api/v1/shops/{shop}/conversations/{id}/transfer", member, perms(auth.ConversationsTransfer, auth.ConversationsAssign), s.conversationTransfer},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}/service", member, readConv, s.conversationService},
		{"GET", "/api/v1/shops/{shop}/conversations/{id}/canned-replies", member, perms(auth.ConversationsReply), s.conversationCanned},
		{"GET", "/api/v1/shops/{shop}/canned-replies", member, perms(auth.ConversationsReply, auth.KBManage, auth.SettingsManage), s.cannedList},
		{"POST", "/api/v1/shops/{shop}/canned-replies", member, perms(auth.ConversationsReply, auth.KBManage, auth.SettingsManage), s.cannedCreate},
		{"PUT", "/api/v1/shops/{shop}/canned-replies/{id}", member, perms(auth.ConversationsReply, auth.KBManage, auth.SettingsManage), s.cannedUpdate},
		{"DELETE", "/api/v1/shops/{shop}/canned-replies/{id}", member, perms(auth.ConversationsReply, auth.KBManage, auth.SettingsManage), s.cannedDelete},
		{"POST", "/api/v1/shops/{shop}/uploads", member, perms(auth.ConversationsReply), s.uploadAgent},

		{"GET", "/api/v1/shops/{shop}/kb/categories", member, kbm, s.categoryList},
		{"POST", "/api/v1/shops/{shop}/kb/categories", member, kbm, s.categoryCreate},
		{"PATCH", "/api/v1/shops/{shop}/kb/categories/{id}", member, kbm, s.categoryUpdate},
		{"DELETE", "/api/v1/shops/{shop}/kb/categories/{id}", member, kbm, s.categoryDelete},
		{"GET", "/api/v1/shops/{shop}/kb/faqs", member, kbm, s.faqList},
		{"POST", "/api/v1/shops/{shop}/kb/faqs", member, kbm, s.faqCreate},
		{"GET", "/api/v1/shops/{shop}/kb/faqs/{id}", member, kbm, s.faqGet},
		{"PUT", "/api/v1/shops/{shop}/kb/faqs/{id}", member, kbm, s.faqUpdate},
		{"DELETE", "/api/v1/shops/{shop}/kb/faqs/{id}", member, kbm, s.faqDelete},
		{"POST", "/api/v1/shops/{shop}/kb/faqs/{id}/publish", member, kbm, s.faqPublish},
		{"POST", "/api/v1/shops/{shop}/kb/faqs/{id}/unpublish", member, kbm, s.faqUnpublish},
		{"GET", "/api/v1/shops/{shop}/kb/faqs/{id}/history", member, kbm, s.faqHistory},
		{"POST", "/api/v1/shops/{shop}/kb/faqs/{id}/revert", member, kbm, s.faqRevert},
		{"POST", "/api/v1/shops/{shop}/kb/import", member, kbm, s.kbImport},
		{"GET", "/api/v1/shops/{shop}/kb/export", member, kbm, s.kbExport},
		{"POST", "/api/v1/shops/{shop}/kb/test", member, kbm, s.kbTest},
		{"GET", "/api/v1/shops/{shop}/kb/synonyms", member, kbm, s.synonymsGet},
		{"PUT", "/api/v1/shops/{shop}/kb/synonyms", member, kbm, s.synonymsPut},
		{"GET", "/api/v1/shops/{shop}/kb/intents", member, kbm, s.intentsGet},
		{"PUT", "/api/v1/shops/{shop}/kb/intents", member, kbm, s.intentsPut},
		{"GET", "/api/v1/shops/{shop}/kb/packs", member, kbm, s.packList},
		{"POST", "/api/v1/shops/{shop}/kb/packs/{pack}/enable", member, kbm, s.packEnable},
		{"GET", "/api/v1/shops/{shop}/kb/packs/{pack}/upgrade", member, kbm, s.packUpgradePlan},
		{"POST", "/api/v1/shops/{shop}/kb/packs/{pack}/upgrade", member, kbm, s.packUpgrade},
		{"POST", "/api/v1/shops/{shop}/kb/packs/{pack}/rollback", member, kbm, s.packRollback},
		{"GET", "/api/v1/shops/{shop}/bot/settings", member, perms(auth.SettingsManage, auth.KBManage), s.botSettingsGet},
		{"PUT", "/api/v1/shops/{shop}/bot/settings", member, perms(auth.SettingsManage), s.botSettingsPut},
		{"GET", "/api/v1/shops/{shop}/bot/pipeline", member, perms(auth.SettingsManage, auth.KBManage), s.botPipelineGet},
		{"PUT", "/api/v1/shops/{shop}/bot/pipeline", member, perms(auth.SettingsManage), s.botPipelinePut},
		{"GET", "/api/v1/shops/{shop}/routing", member, perms(auth.AgentsManage, auth.SettingsManage, auth.ConversationsAssign), s.routingGet},
		{"PUT", "/api/v1/shops/{shop}/routing", member, perms(auth.AgentsManage, auth.SettingsManage), s.routingPut},

		{"GET", "/api/v1/shops/{shop}/conversations/{id}/panel", member, perms(auth.BuyersRead), s.panelGet},
		{"POST", "/api/v1/shops/{shop}/buyers/{buyer}/phone", member, perms(auth.BuyersPhoneReveal), s.buyerPhoneReveal},
		{"GET", "/api/v1/shops/{shop}/api-keys", member, shopData, s.apiKeyList},
		{"POST", "/api/v1/shops/{shop}/api-keys", member, shopData, s.apiKeyCreate},
		{"DELETE", "/api/v1/shops/{shop}/api-keys/{id}", member, shopData, s.apiKeyRevoke},
		{"POST", "/api/v1/shops/{shop}/import/{entity}", member, shopData, s.dataImport},
		{"GET", "/api/v1/shops/{shop}/export/{entity}", member, shopData, s.dataExport},
		{"GET", "/api/v1/shops/{shop}/tag-rules", member, shopData, s.tagRuleList},
		{"PUT", "/api/v1/shops/{shop}/tag-rules/{name}", member, shopData, s.tagRulePut},
		{"POST", "/api/v1/shops/{shop}/tag-rules/preview", member, shopData, s.tagRulePreview},
		{"DELETE", "/api/v1/shops/{shop}/tag-rules/{name}", member, shopData, s.tagRuleDelete},
		{"GET", "/api/v1/shops/{shop}/tag-settings", member, shopData, s.tagSettingsGet},
		{"PUT", "/api/v1/shops/{shop}/tag-settings", member, shopData, s.tagSettingsPut},

		// Notifications (notify_*.go): each agent's own preferences, the
		// shop's defaults, channels, webhooks to the merchant's systems, and
		// the deliveries of both.
		{"GET", "/api/v1/shops/{shop}/notifications/me", member, readConv, s.notifyMineGet},
		{"PUT", "/api/v1/shops/{shop}/notifications/me", member, readConv, s.notifyMinePut},
		{"DELETE", "/api/v1/shops/{shop}/notifications/me", member, readConv, s.notifyMineReset},
		{"GET", "/api/v1/shops/{shop}/notifications/defaults", member, settings, s.notifyDefaultsGet},
		{"PUT", "/api/v1/shops/{shop}/notifications/defaults", member, settings, s.notifyDefaultsPut},
		{"GET", "/api/v1/shops/{shop}/notifications/channels", member, settings, s.channelList},
		{"POST", "/api/v1/shops/{shop}/notifications/channels", member, settings, s.channelCreate},
		{"PATCH", "/api/v1/shops/{shop}/notifications/channels/{id}", member, settings, s.channelUpdate},
		{"DELETE", "/api/v1/shops/{shop}/notifications/channels/{id}", member, settings, s.channelDelete},
		{"POST", "/api/v1/shops/{shop}/notifications/channels/{id}/test", member, settings, s.channelTest},
		{"GET", "/api/v1/shops/{shop}/webhooks", member, settings, s.webhookList},
		{"POST", "/api/v1/shops/{shop}/webhooks", member, settings, s.webhookCreate},
		{"PATCH", "/api/v1/shops/{shop}/webhooks/{id}", member, settings, s.webhookUpdate},
		{"DELETE", "/api/v1/shops/{shop}/webhooks/{id}", member, settings, s.webhookDelete},
		{"POST", "/api/v1/shops/{shop}/webhooks/{id}/secret", member, settings, s.webhookRotate},
		{"POST", "/api/v1/shops/{shop}/webhooks/{id}/test", member, settings, s.webhookTest},
		{"GET", "/api/v1/shops/{shop}/deliveries", member, settings, s.deliveryList},
		{"POST", "/api/v1/shops/{shop}/deliveries/{id}/retry", member, settings, s.deliveryRetry},

		// Statistics (stats_*.go, docs/metrics.md): one report a measure,
		// each also as CSV, the live overview, and the knowledge-gap drafts.
		{"GET", "/api/v1/shops/{shop}/stats/overview", member, reports, s.statsReport("overview")},
		{"GET", "/api/v1/shops/{shop}/stats/conversations", member, reports, s.statsReport("conversations")},
		{"GET", "/api/v1/shops/{shop}/stats/bot", member, reports, s.statsReport("bot")},
		{"GET", "/api/v1/shops/{shop}/stats/handoffs", member, reports, s.statsReport("handoffs")},
		{"GET", "/api/v1/shops/{shop}/stats/satisfaction", member, reports, s.statsReport("satisfaction")},
		{"GET", "/api/v1/shops/{shop}/stats/times", member, reports, s.statsReport("times")},
		{"GET", "/api/v1/shops/{shop}/stats/agents", member, reports, s.statsReport("agents")},
		{"GET", "/api/v1/shops/{shop}/stats/intents", member, reports, s.statsReport("intents")},
		{"GET", "/api/v1/shops/{shop}/stats/faqs", member, reports, s.statsReport("faqs")},
		{"GET", "/api/v1/shops/{shop}/stats/live", member, reports, s.statsLive},
		{"GET", "/api/v1/shops/{shop}/stats/settings", member, perms(auth.ReportsRead, auth.KBManage, auth.SettingsManage), s.statsSettingsGet},
		{"PUT", "/api/v1/shops/{shop}/stats/settings", member, settings, s.statsSettingsPut},
		{"GET", "/api/v1/shops/{shop}/stats/gaps", member, gapReaders, s.gapList},
		{"GET", "/api/v1/shops/{shop}/stats/gaps/{id}", member, gapReaders, s.gapGet},
		{"POST", "/api/v1/shops/{shop}/stats/gaps/refresh", member, kbm, s.gapMine},
		{"POST", "/api/v1/shops/{shop}/stats/gaps/{id}/approve", member, kbm, s.gapApprove},
		{"POST", "/api/v1/shops/{shop}/stats/gaps/{id}/dismiss", member, kbm, s.gapDismiss},

		// The shop's own systems push their data with an API key.
		{"POST", "/api/v1/data/{entity}", apikey, nil, s.dataUpsert},
		{"GET", "/api/v1/data/{entity}/{id}", apikey, nil, s.dataGet},
		{"POST", "/api/v1/webhook", signed, nil, s.webhookReceive},

		{"GET", "/ws/buyer", public, nil, s.wsBuyer},
		{"GET", "/ws/agent", session, nil, s.wsAgent},
	}
}

// guard checks a route's caller before its handler runs: the session for
// session and member routes, membership of the {shop} and one of the
// permissions for member routes, and the CSRF token on every state-changing
// request made with a session cookie.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.check(w, r, rt)
		if err == nil {
			return
		}
		writeError(s.log, w, r, err)
	})
}

func (s *Server) check(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.Who == public {
		if r.Method == http.MethodPost && !isJSON(r) && jsonOnly[rt.Pattern] {
			// A cross-site HTML form cannot send application/json, so this
			// stops login CSRF (logging a victim into the attacker's account).
			return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the body as application/json"}
		}
		return rt.Handler(w, r)
	}
	if rt.Who == apikey || rt.Who == signed {
		return s.checkMachine(w, r, rt)
	}
	st, err := s.loadSession(r)
	if err != nil {
		return err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(st.session.CSRFToken)) != 1 {
			return errForbidden("missing or wrong X-CSRF-Token header")
		}
	}
	r = withState(r, st)
	if rt.Who == member {
		if err := s.loadMember(r, st, r.PathValue("shop")); err != nil {
			return err
		}
		if len(rt.Perms) > 0 && !hasAny(st.perms, rt.Perms) {
			return errForbidden("your role does not allow this")
		}
	}
	return rt.Handler(w, r)
}

// jsonOnly are the public routes that take a JSON body and change state
// without a session, so the CSRF token cannot protect them.
var jsonOnly = map[string]bool{"/api/v1/auth/login": true, "/api/v1/setup": true, "/api/v1/invitations/{token}/accept": true}

func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return ct == "application/json" || strings.HasPrefix(ct, "application/json;")
}

func hasAny(set auth.Set, ps []auth.Permission) bool {
	for _, p := range ps {
		if set.Has(p) {
			return true
		}
	}
	return false
}
