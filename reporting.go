package hikeshi

import (
	"context"
	"time"
)

// Reporting and disclosure (IH-7): the internal incident report (Markdown and
// PDF), regulator notification drafts, the public statement, editable report
// templates per organisation and language, and the communication log of who
// was told what and when.

// ReportKind names one document generated from an incident: the internal
// report, a regulator notification draft (one per regulatory clock kind, with
// the same name) or the public statement.
type ReportKind string

// The document kinds. The regulator drafts share their names with the clock
// kinds they answer.
const (
	ReportInternal         ReportKind = "internal_report"
	ReportAPPIPreliminary  ReportKind = ReportKind(ClockAPPIPreliminary)
	ReportAPPIFinal        ReportKind = ReportKind(ClockAPPIFinal)
	ReportGDPR             ReportKind = ReportKind(ClockGDPR)
	ReportNIS2EarlyWarning ReportKind = ReportKind(ClockNIS2EarlyWarning)
	ReportNIS2Notification ReportKind = ReportKind(ClockNIS2Notification)
	ReportNIS2Final        ReportKind = ReportKind(ClockNIS2Final)
	ReportPublicStatement  ReportKind = "public_statement"
	reportKindCount                   = 8
	reportLanguageCount               = 2
	MaxReportTemplates                = reportKindCount * reportLanguageCount
	MaxCommRecipientLen               = 200
	MaxCommSummaryLen                 = 4000
	MaxReportTemplateLen              = 64 << 10 // bytes of a template's source
	MaxReportDraftLen                 = 100000   // characters of a saved draft
	MaxReportOutput                   = 4 << 20  // bytes a template may produce
	MaxReportTimeline                 = 2000     // timeline entries a report lists
	MaxReportCommEntries              = 1000     // communication log entries a report lists
	MaxCommSentAge                    = 5 * 365 * 24 * time.Hour
)

// ReportKinds lists every kind in display order.
var ReportKinds = []ReportKind{ReportInternal, ReportAPPIPreliminary, ReportAPPIFinal, ReportGDPR, ReportNIS2EarlyWarning,
	ReportNIS2Notification, ReportNIS2Final, ReportPublicStatement}

// ReportLanguages are the languages a report is written in.
var ReportLanguages = []Locale{LocaleJA, LocaleEN}

// Valid reports whether k is a known kind.
func (k ReportKind) Valid() bool {
	for _, v := range ReportKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Clock is the regulatory clock a regulator draft answers; "" for the
// internal report and the public statement.
func (k ReportKind) Clock() ClockKind {
	if c := ClockKind(k); c.Regulatory() {
		return c
	}
	return ""
}

// ValidReportLanguage reports whether l is a language reports are written in
// (the empty locale is not).
func ValidReportLanguage(l Locale) bool { return l == LocaleJA || l == LocaleEN }

// Audience is who was told.
type Audience string

// The audiences of the communication log.
const (
	AudienceCustomers Audience = "customers"
	AudienceRegulator Audience = "regulator"
	AudienceJPCERT    Audience = "jpcert"
	AudiencePolice    Audience = "police"
	AudienceVendors   Audience = "vendors"
	AudiencePress     Audience = "press"
	AudienceEmployees Audience = "employees"
	AudienceOther     Audience = "other"
)

// Audiences lists every audience in display order.
var Audiences = []Audience{AudienceCustomers, AudienceRegulator, AudienceJPCERT, AudiencePolice, AudienceVendors, AudiencePress,
	AudienceEmployees, AudienceOther}

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool {
	for _, v := range Audiences {
		if a == v {
			return true
		}
	}
	return false
}

// CommChannel is how a message went out.
type CommChannel string

// The channels of the communication log.
const (
	ChannelEmail    CommChannel = "email"
	ChannelPhone    CommChannel = "phone"
	ChannelWebForm  CommChannel = "web_form"
	ChannelLetter   CommChannel = "letter"
	ChannelMeeting  CommChannel = "meeting"
	ChannelWebsite  CommChannel = "website"
	ChannelPressRel CommChannel = "press_release"
	ChannelOther    CommChannel = "other"
)

// CommChannels lists every channel in display order.
var CommChannels = []CommChannel{ChannelEmail, ChannelPhone, ChannelWebForm, ChannelLetter, ChannelMeeting, ChannelWebsite,
	ChannelPressRel, ChannelOther}

// Valid reports whether c is a known channel.
func (c CommChannel) Valid() bool {
	for _, v := range CommChannels {
		if c == v {
			return true
		}
	}
	return false
}

// CommEntry is one entry of an incident's communication log: who was told
// what, when and how, and the regulatory clock the message satisfies.
// SentAt is when the message went out (given by the CSIRT, never in the
// future); RecordedAt is when it was recorded, by the workflow's clock.
type CommEntry struct {
	ID         string
	IncidentID string
	Audience   Audience
	Channel    CommChannel
	Recipient  string // e.g. 個人情報保護委員会, the customer contact list
	Summary    string // what was said
	ClockID    string // the incident clock it satisfies; empty = none
	SentAt     time.Time
	RecordedBy string
	RecordedAt time.Time
}

// ReportTemplate is an organisation's own template of one kind and language;
// without one the built-in default is used.
type ReportTemplate struct {
	Kind      ReportKind
	Lang      Locale
	Body      string
	UpdatedBy string
	UpdatedAt time.Time
}

// ReportDraft is a regulator draft or public statement as the CSIRT edited
// and saved it; until saved, the draft is generated from the template.
type ReportDraft struct {
	ID         string
	IncidentID string
	Kind       ReportKind
	Lang       Locale
	Body       string
	UpdatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ReportingReader is the read side of reporting.
type ReportingReader interface {
	// FindReportTemplate returns the organisation's template; ErrNotFound
	// means the default applies.
	FindReportTemplate(ctx context.Context, kind ReportKind, lang Locale) (ReportTemplate, error)
	// FindReportTemplates lists the organisation's templates (at most
	// MaxReportTemplates) by kind and language.
	FindReportTemplates(ctx context.Context) ([]ReportTemplate, error)
	// FindReportDraft returns a saved draft (ErrNotFound if none).
	FindReportDraft(ctx context.Context, incidentID string, kind ReportKind, lang Locale) (ReportDraft, error)
	// FindReportDrafts lists an incident's saved drafts (at most
	// MaxReportTemplates) by kind and language.
	FindReportDrafts(ctx context.Context, incidentID string) ([]ReportDraft, error)
	// FindCommEntries lists an incident's communication log newest first
	// (by id); Page.After is the id of the last entry seen.
	FindCommEntries(ctx context.Context, incidentID string, p Page) ([]CommEntry, error)
	FindCommEntryByID(ctx context.Context, id string) (CommEntry, error)
}

// ReportingWriter is the write side of reporting.
type ReportingWriter interface {
	// PutReportTemplate inserts or replaces the template of (kind, lang).
	PutReportTemplate(ctx context.Context, t ReportTemplate) error
	DeleteReportTemplate(ctx context.Context, kind ReportKind, lang Locale) error
	// PutReportDraft inserts or replaces the draft of (incident, kind, lang);
	// a replaced draft keeps its ID and CreatedAt.
	PutReportDraft(ctx context.Context, d ReportDraft) error
	DeleteReportDraft(ctx context.Context, incidentID string, kind ReportKind, lang Locale) error
	CreateCommEntry(ctx context.Context, e CommEntry) error
}
