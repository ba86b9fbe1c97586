package hikeshi

import (
	"context"
	"time"
)

// Page asks for one page of a keyset-paginated list.
type Page struct {
	After string // cursor: return items after this id; empty = from the start
	Limit int    // at most this many; 0 = DefaultPageLimit
}

// Page sizes.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// Normalize clamps the limit into [1, MaxPageLimit].
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}

// UserFilter selects users.
type UserFilter struct {
	DepartmentID string
	Role         Role
	Page
}

// Reader is the read side of the store. Reads outside a transaction use a
// pool of reader connections and never block writers.
type Reader interface {
	JobReader
	ReportReader
	IncidentReader
	TriageReader
	TaskReader
	EvidenceReader
	ClockReader
	ReviewReader
	DocumentReader
	RiskReader
	FrameworkReader
	CheckReader
	ManagementReader
	ISMSReader
	OrgPatternReader
	ImprovementReader
	DashboardReader
	AdvisorReader
	AlertIntakeReader
	AlertQueueReader
	MailIntakeReader
	AdvisoryReader
	ReportingReader
	VulnerabilityReader
	AnalysisReader
	AwarenessReader

	FindDepartmentByID(ctx context.Context, id string) (Department, error)
	FindDepartmentByName(ctx context.Context, name string) (Department, error)
	FindDepartments(ctx context.Context, p Page) ([]Department, error)
	CountUsersInDepartment(ctx context.Context, departmentID string) (int, error)

	FindUserByID(ctx context.Context, id string) (User, error)
	FindUserByEmail(ctx context.Context, email string) (User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]User, error)
	CountUsers(ctx context.Context) (int, error)

	FindSessionByTokenHash(ctx context.Context, hash string) (Session, error)
	FindAPITokenByHash(ctx context.Context, hash string) (APIToken, error)
	FindAPITokensByUser(ctx context.Context, userID string) ([]APIToken, error)

	FindAuditRecords(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// WalkAudit calls fn for every audit entry in Seq order, then reports the
	// chain head's recorded Seq and Hash (0, "" when the log is empty).
	WalkAudit(ctx context.Context, fn func(AuditRecord) error) (headSeq int64, headHash string, err error)

	GetSetting(ctx context.Context, key string) (string, error)
}

// Tx is a write transaction. Everything a service changes, and the audit
// entry that records the change, goes through one Tx.
type Tx interface {
	Reader
	JobWriter
	ReportWriter
	IncidentWriter
	TriageWriter
	TaskWriter
	EvidenceWriter
	ClockWriter
	ReviewWriter
	DocumentWriter
	RiskWriter
	FrameworkWriter
	CheckWriter
	ManagementWriter
	OrgPatternWriter
	ImprovementWriter
	DashboardWriter
	AdvisorWriter
	AlertIntakeWriter
	AlertQueueWriter
	MailIntakeWriter
	AdvisoryWriter
	ReportingWriter
	VulnerabilityWriter
	AwarenessWriter

	CreateDepartment(ctx context.Context, d Department) error
	UpdateDepartment(ctx context.Context, d Department) error
	DeleteDepartment(ctx context.Context, id string) error

	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error

	CreateSession(ctx context.Context, s Session) error
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessionsOfUser ends every session of a user except exceptID ("" = none kept).
	DeleteSessionsOfUser(ctx context.Context, userID, exceptID string) (int, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)

	CreateAPIToken(ctx context.Context, t APIToken) error
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error

	// AppendAudit appends an entry to the hash chain. It serialises with every
	// other writer of the chain (on PostgreSQL by locking the chain head row),
	// so concurrent transactions never fork it.
	AppendAudit(ctx context.Context, at time.Time, e AuditEvent) (AuditRecord, error)

	PutSetting(ctx context.Context, key, value string, at time.Time) error
}

// Store is the database. Writes happen only inside InTx; calling the outer
// Store from inside fn is a bug (on SQLite it would wait for the one writer).
type Store interface {
	Reader
	BlobStore // blobs are written in their own short transactions, never inside InTx
	InTx(ctx context.Context, fn func(tx Tx) error) error
	Ping(ctx context.Context) error
}
