package store

import (
	"context"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Store is everything the rest of xiaoer may ask of the database. *DB
// implements it on SQLite and on PostgreSQL; storetest runs the same suite
// against any implementation.
type Store interface {
	KBStore

	Ping(ctx context.Context) error
	Close() error

	CreateShop(ctx context.Context, s model.Shop) (model.Shop, error)
	GetShop(ctx context.Context, id int64) (model.Shop, error)
	GetShopBySlug(ctx context.Context, slug string) (model.Shop, error)
	UpdateShop(ctx context.Context, s model.Shop) error
	ListShops(ctx context.Context) ([]model.Shop, error)

	CreateAccount(ctx context.Context, a model.Account) (model.Account, error)
	GetAccount(ctx context.Context, id int64) (model.Account, error)
	GetAccountByLogin(ctx context.Context, login string) (model.Account, error)
	SetPassword(ctx context.Context, accountID int64, hash string) error
	UpdateAccountProfile(ctx context.Context, a model.Account) error
	CountAccounts(ctx context.Context) (int, error)

	AddMember(ctx context.Context, m model.Membership) error
	GetMember(ctx context.Context, shopID, accountID int64) (model.Member, error)
	ListMembers(ctx context.Context, shopID int64) ([]model.Member, error)
	ListMemberships(ctx context.Context, accountID int64) ([]model.Member, error)
	UpdateMember(ctx context.Context, m model.Membership) error
	SetAgentStatus(ctx context.Context, shopID, accountID int64, s model.AgentStatus) error
	RemoveMember(ctx context.Context, shopID, accountID int64) error
	CountMembersWithRole(ctx context.Context, shopID int64, role string) (int, error)

	PutRole(ctx context.Context, r Role) error
	GetRole(ctx context.Context, shopID int64, name string) (Role, error)
	ListRoles(ctx context.Context, shopID int64) ([]Role, error)
	DeleteRole(ctx context.Context, shopID int64, name string) error

	CreateGroup(ctx context.Context, g Group) (Group, error)
	ListGroups(ctx context.Context, shopID int64) ([]Group, error)
	SetGroupMembers(ctx context.Context, shopID, groupID int64, accountIDs []int64) error
	DeleteGroup(ctx context.Context, shopID, groupID int64) error
	MemberGroups(ctx context.Context, shopID, accountID int64) ([]int64, error)

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, tokenHash string) (Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteAccountSessions(ctx context.Context, accountID int64) error
	DeleteExpiredSessions(ctx context.Context) (int64, error)

	CreateInvitation(ctx context.Context, inv Invitation) error
	GetInvitation(ctx context.Context, tokenHash string) (Invitation, error)
	ListInvitations(ctx context.Context, shopID int64) ([]Invitation, error)
	AcceptInvitation(ctx context.Context, tokenHash string, a AccountInput) (int64, error)
	DeleteInvitation(ctx context.Context, shopID int64, tokenHash string) error

	LoginFailure(ctx context.Context, key string, window time.Duration, max int, lockFor time.Duration) (int, time.Time, error)
	LoginLockedUntil(ctx context.Context, key string) (time.Time, error)
	ClearLoginFailures(ctx context.Context, key string) error
	TakeUploadQuota(ctx context.Context, qs []UploadQuota, uploads, bytes int64) (QuotaRefusal, error)
	PruneLoginThrottle(ctx context.Context, window time.Duration) (int64, error)

	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	DeleteSetting(ctx context.Context, key string) error

	GetBuyer(ctx context.Context, shopID, id int64) (model.Buyer, error)
	EnsureVisitor(ctx context.Context, shopID int64, visitorID string) (model.Buyer, error)
	EnsureVerifiedBuyer(ctx context.Context, shopID int64, externalID, nickname string) (model.Buyer, error)

	CreateConversation(ctx context.Context, shopID, buyerID int64, priority int) (model.Conversation, error)
	GetConversation(ctx context.Context, shopID, id int64) (model.Conversation, error)
	LatestOpenConversation(ctx context.Context, shopID, buyerID int64) (model.Conversation, error)
	OpenConversation(ctx context.Context, shopID, buyerID int64) (model.Conversation, bool, error)
	ListConversations(ctx context.Context, f ConversationFilter) ([]model.Conversation, error)
	ChangeOwner(ctx context.Context, ch OwnerChange) (model.Conversation, model.Event, error)
	ListEvents(ctx context.Context, shopID, conversationID int64) ([]model.Event, error)
	ImportConversations(ctx context.Context, cs []PastConversation) ([]int64, error)

	AppendMessage(ctx context.Context, m model.Message) (model.Message, bool, error)
	ListMessages(ctx context.Context, q MessageQuery) ([]model.Message, error)
	SetReadPosition(ctx context.Context, conversationID, accountID, seq int64) error
	ReadPositions(ctx context.Context, conversationID int64) (map[int64]int64, error)

	AppendAudit(ctx context.Context, e model.AuditEntry) error
	ListAudit(ctx context.Context, shopID, before int64, limit int) ([]model.AuditEntry, error)

	Commerce // the shop's data: commerce.go
	Service  // customer service around conversations: service.go, canned.go
	Stats    // statistics and the knowledge-gap loop: stats*.go
	Notify   // notifications and outgoing events: notify.go, outbox.go, deliveries.go
}

var _ Store = (*DB)(nil)
