package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
)

// IncidentReporting is IH-7: incident reports, regulator notification drafts, the
// public statement, report templates and the communication log.
//
// Who does what: everyone who may see an incident generates its internal
// report and reads its communication log (the report carries the incident's
// TLP). The CSIRT and admins draft the regulator notifications and the public
// statement, record communications and edit the organisation's templates.
// Recording a message to the regulator that satisfies a running regulatory
// clock records that notification done (Clocks.RecordDone) in the same
// transaction.
type IncidentReporting struct {
	base
	trOnce sync.Once
	tr     *i18n.Translator
	trErr  error
}

// CanEditReportTemplates reports whether the actor edits report templates.
func CanEditReportTemplates(a hikeshi.Actor) bool { return canHandle(a) }

func (s *IncidentReporting) translator() (*i18n.Translator, error) {
	s.trOnce.Do(func() { s.tr, s.trErr = i18n.New() })
	return s.tr, s.trErr
}

// seeIncident loads an incident the actor may see; otherwise ErrNotFound.
func (s *IncidentReporting) seeIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Incident, error) {
	i, err := r.FindIncidentByID(ctx, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	ok, err := canSeeIncident(ctx, r, actor, i)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !ok {
		return hikeshi.Incident{}, hikeshi.ErrNotFound
	}
	return i, nil
}

// handleIncident loads an incident the actor may see and handle.
func (s *IncidentReporting) handleIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id, what string) (hikeshi.Incident, error) {
	i, err := s.seeIncident(ctx, r, actor, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !canHandle(actor) {
		return hikeshi.Incident{}, forbid(what)
	}
	return i, nil
}

func checkKindLang(kind hikeshi.ReportKind, lang hikeshi.Locale) error {
	var v hikeshi.ValidationError
	if !kind.Valid() {
		v.Add("kind", "unknown", "unknown report kind")
	}
	if !hikeshi.ValidReportLanguage(lang) {
		v.Add("lang", "unknown", "the language is ja or en")
	}
	return v.Err()
}

// Document is a generated or saved report of an incident.
type Document struct {
	Incident hikeshi.Incident
	Kind     hikeshi.ReportKind
	Lang     hikeshi.Locale
	Markdown string
	// Saved: the CSIRT's saved draft, not a fresh generation.
	Saved     bool
	UpdatedAt time.Time
}

// Filename is the document's download name without extension, e.g.
// INC-2026-0001-internal_report-ja.
func (d Document) Filename() string {
	return fmt.Sprintf("%s-%s-%s", d.Incident.Number, d.Kind, d.Lang)
}

// applicable reports whether a document kind applies to an incident: the
// internal report and public statement always; a regulator draft when its
// clock runs or ran (not withdrawn).
func applicable(kind hikeshi.ReportKind, clocks []hikeshi.IncidentClock) (hikeshi.IncidentClock, bool) {
	ck := kind.Clock()
	if ck == "" {
		return hikeshi.IncidentClock{}, true
	}
	for _, c := range clocks {
		if c.Kind == ck && c.WithdrawnAt.IsZero() {
			return c, true
		}
	}
	return hikeshi.IncidentClock{}, false
}

// Generate returns a document of an incident in lang: the saved draft if
// the CSIRT saved one (regulator drafts and the public statement), else the
// organisation's template (or the default) executed against the incident.
// Times are written in loc.
func (s *IncidentReporting) Generate(ctx context.Context, actor hikeshi.Actor, incidentID string, kind hikeshi.ReportKind,
	lang hikeshi.Locale, loc *time.Location) (Document, error) {
	if err := checkKindLang(kind, lang); err != nil {
		return Document{}, err
	}
	inc, err := s.seeIncident(ctx, s.st, actor, incidentID)
	if err != nil {
		return Document{}, fmt.Errorf("generate report: %w", err)
	}
	if kind != hikeshi.ReportInternal && !canHandle(actor) {
		return Document{}, forbid("draft an external notification")
	}
	doc := Document{Incident: inc, Kind: kind, Lang: lang}
	if kind.Clock() != "" {
		clocks, err := s.st.FindIncidentClocks(ctx, inc.ID)
		if err != nil {
			return Document{}, fmt.Errorf("generate report: %w", err)
		}
		if _, ok := applicable(kind, clocks); !ok {
			return Document{}, hikeshi.Invalid("kind", "not_applicable", "no clock of this kind runs for the incident")
		}
	}
	if kind != hikeshi.ReportInternal {
		d, err := s.st.FindReportDraft(ctx, inc.ID, kind, lang)
		switch {
		case err == nil:
			doc.Markdown, doc.Saved, doc.UpdatedAt = d.Body, true, d.UpdatedAt
			return doc, nil
		case !errors.Is(err, hikeshi.ErrNotFound):
			return Document{}, fmt.Errorf("generate report: %w", err)
		}
	}
	if doc.Markdown, err = s.render(ctx, s.st, inc, kind, lang, loc); err != nil {
		return Document{}, fmt.Errorf("generate report: %w", err)
	}
	return doc, nil
}

// render executes the template of kind and lang against the incident.
func (s *IncidentReporting) render(ctx context.Context, r hikeshi.Reader, inc hikeshi.Incident, kind hikeshi.ReportKind,
	lang hikeshi.Locale, loc *time.Location) (string, error) {
	src := hikeshi.DefaultReportTemplate(kind, lang)
	t, err := r.FindReportTemplate(ctx, kind, lang)
	switch {
	case err == nil:
		src = t.Body
	case !errors.Is(err, hikeshi.ErrNotFound):
		return "", err
	}
	data, err := s.reportData(ctx, r, inc, kind, lang, loc)
	if err != nil {
		return "", err
	}
	out, err := hikeshi.RenderReport(src, data)
	var te *hikeshi.ReportTemplateError
	if errors.As(err, &te) {
		// A kept template failing on a real incident (e.g. too large an
		// output) is the template's fault, said with its line.
		return "", hikeshi.Invalid("template", "template_failed", "the report template failed: "+te.Error())
	}
	return out, err
}

// reportData builds the restricted data model of a report: plain values,
// bounded lists, localised names.
func (s *IncidentReporting) reportData(ctx context.Context, r hikeshi.Reader, inc hikeshi.Incident, kind hikeshi.ReportKind,
	lang hikeshi.Locale, loc *time.Location) (hikeshi.ReportData, error) {
	tr, err := s.translator()
	if err != nil {
		return hikeshi.ReportData{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	T := func(key string) string { return tr.T(lang, key) }
	tm := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	}
	names := map[string]string{}
	user := func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := names[id]; ok {
			return n
		}
		n := ""
		if u, err := r.FindUserByID(ctx, id); err == nil {
			n = u.Name
		}
		names[id] = n
		return n
	}
	depts := map[string]string{}
	dept := func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := depts[id]; ok {
			return n
		}
		n := ""
		if d, err := r.FindDepartmentByID(ctx, id); err == nil {
			n = d.Name
		}
		depts[id] = n
		return n
	}
	d := hikeshi.ReportData{Lang: string(lang), Kind: string(kind), GeneratedAt: tm(s.clock.Now()), TimelineLimit: strconv.Itoa(hikeshi.MaxReportTimeline)}
	d.Incident = hikeshi.DocIncident{Number: inc.Number, Title: inc.Title, Summary: inc.Summary, Category: inc.Category,
		Priority: fmt.Sprintf("P%d", inc.Priority), Impact: fmt.Sprint(inc.Impact), Urgency: fmt.Sprint(inc.Urgency),
		TLP: "TLP:" + string(inc.TLP), Phase: T("incident.phase." + string(inc.Phase)), Owner: user(inc.OwnerID),
		NoticedAt: tm(inc.NoticedAt), ReportedAt: tm(inc.ReportedAt), CreatedAt: tm(inc.CreatedAt), TriagedAt: tm(inc.TriagedAt),
		FirstResponseAt: tm(inc.FirstResponseAt), ContainedAt: tm(inc.ContainedAt), RecoveredAt: tm(inc.RecoveredAt), ClosedAt: tm(inc.ClosedAt)}
	facts, err := r.FindIncidentFacts(ctx, inc.ID)
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return d, err
	}
	d.Facts = hikeshi.DocFacts{PersonalData: facts.PersonalData, Malicious: facts.Malicious, GDPR: facts.GDPR, NIS2: facts.NIS2,
		AwareAt: tm(facts.AwareAt)}
	clocks, err := r.FindIncidentClocks(ctx, inc.ID)
	if err != nil {
		return d, err
	}
	now := s.clock.Now()
	clockNames := map[string]string{}
	for _, c := range clocks {
		dc := hikeshi.DocClock{Kind: string(c.Kind), Name: T("clocks.kind." + string(c.Kind)), State: T("clocks.state." + string(c.State(now))),
			StartedAt: tm(c.StartedAt), DueAt: tm(c.DueAt), StoppedAt: tm(c.StoppedAt), Reference: c.Reference, Regulatory: c.Kind.Regulatory()}
		clockNames[c.ID] = dc.Name
		if c.WithdrawnAt.IsZero() {
			d.Clocks = append(d.Clocks, dc)
		}
		if string(c.Kind) == string(kind) {
			d.Clock = dc
		}
	}
	// The timeline, oldest first, up to MaxReportTimeline entries.
	p := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for len(d.Timeline) <= hikeshi.MaxReportTimeline {
		evs, err := r.FindIncidentEvents(ctx, inc.ID, p)
		if err != nil {
			return d, err
		}
		for _, e := range evs {
			if len(d.Timeline) == hikeshi.MaxReportTimeline {
				d.TimelineTruncated = true
				break
			}
			text := e.Text
			if e.Kind == hikeshi.EventPhase {
				text = strings.TrimSpace(T("incident.phase."+string(e.FromPhase)) + " → " + T("incident.phase."+string(e.ToPhase)) + " " + text)
			}
			d.Timeline = append(d.Timeline, hikeshi.DocEvent{At: tm(e.At), Kind: T("incident.event." + string(e.Kind)), Text: text, Author: user(e.AuthorID)})
		}
		if d.TimelineTruncated || len(evs) < p.Limit {
			break
		}
		p.After = evs[len(evs)-1].ID
	}
	// Tasks, oldest first, bounded like the timeline.
	p = hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for len(d.Tasks) < hikeshi.MaxReportTimeline {
		ts, err := r.FindTasksByIncident(ctx, inc.ID, p)
		if err != nil {
			return d, err
		}
		for _, t := range ts {
			dt := hikeshi.DocTask{Title: t.Title, Department: dept(t.DepartmentID), Assignee: user(t.AssigneeID),
				Status: T("tasks.status." + string(t.Status)), DueAt: tm(t.DueAt), CompletedAt: tm(t.CompletedAt), Note: t.Note}
			d.Tasks = append(d.Tasks, dt)
			switch t.Status {
			case hikeshi.TaskDone:
				d.TasksDone = append(d.TasksDone, dt)
			case hikeshi.TaskOpen, hikeshi.TaskInProgress:
				d.TasksOpen = append(d.TasksOpen, dt)
			}
		}
		if len(ts) < p.Limit {
			break
		}
		p.After = ts[len(ts)-1].ID
	}
	rev, err := r.FindReviewByIncident(ctx, inc.ID)
	switch {
	case err == nil:
		d.HasReview = true
		d.Review = hikeshi.DocReview{Status: T("review.status." + string(rev.Status)), RootCause: rev.RootCause, WentWell: rev.WentWell,
			ToChange: rev.ToChange}
		lessons, err := r.FindLessons(ctx, hikeshi.LessonFilter{IncidentID: inc.ID, SeeRestricted: true, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return d, err
		}
		for _, l := range lessons {
			d.Lessons = append(d.Lessons, hikeshi.DocLesson{Text: l.Text, ProposedChange: l.ProposedChange, Status: T("lesson.status." + string(l.Status))})
		}
	case !errors.Is(err, hikeshi.ErrNotFound):
		return d, err
	}
	// The communication log, oldest first in the report.
	var comms []hikeshi.CommEntry
	p = hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for len(comms) < hikeshi.MaxReportCommEntries {
		es, err := r.FindCommEntries(ctx, inc.ID, p)
		if err != nil {
			return d, err
		}
		comms = append(comms, es...)
		if len(es) < p.Limit {
			break
		}
		p.After = es[len(es)-1].ID
	}
	if len(comms) > hikeshi.MaxReportCommEntries {
		comms, d.CommTruncated = comms[:hikeshi.MaxReportCommEntries], true
	}
	for i := len(comms) - 1; i >= 0; i-- {
		e := comms[i]
		d.Communications = append(d.Communications, hikeshi.DocComm{SentAt: tm(e.SentAt), Audience: T("reporting.audience." + string(e.Audience)),
			Channel: T("reporting.channel." + string(e.Channel)), Recipient: e.Recipient, Summary: e.Summary, Clock: clockNames[e.ClockID],
			AudienceCode: string(e.Audience)})
	}
	return d, nil
}

// DocumentInfo is one document the incident page offers.
type DocumentInfo struct {
	Kind      hikeshi.ReportKind
	Lang      hikeshi.Locale
	Saved     bool
	UpdatedAt time.Time
}

// IncidentReportingView is what the incident page and API show of the area.
type IncidentReportingView struct {
	// Documents: the internal report for everyone who sees the incident;
	// the drafts that apply too for the CSIRT and admins.
	Documents []DocumentInfo
	Comms     []hikeshi.CommEntry
	// ClockNames maps the incident's clock ids to their kinds, for the log.
	ClockKinds map[string]hikeshi.ClockKind
	// Clocks are the regulatory clocks a message may satisfy.
	Clocks    []hikeshi.IncidentClock
	CanHandle bool
}

// ForIncident returns the documents, the newest page of the communication
// log and what the actor may do.
func (s *IncidentReporting) ForIncident(ctx context.Context, actor hikeshi.Actor, incidentID string, p hikeshi.Page) (IncidentReportingView, error) {
	inc, err := s.seeIncident(ctx, s.st, actor, incidentID)
	if err != nil {
		return IncidentReportingView{}, fmt.Errorf("incident reporting: %w", err)
	}
	v := IncidentReportingView{CanHandle: canHandle(actor), ClockKinds: map[string]hikeshi.ClockKind{}}
	clocks, err := s.st.FindIncidentClocks(ctx, inc.ID)
	if err != nil {
		return v, fmt.Errorf("incident reporting: %w", err)
	}
	for _, c := range clocks {
		v.ClockKinds[c.ID] = c.Kind
		if c.Kind.Regulatory() && c.WithdrawnAt.IsZero() {
			v.Clocks = append(v.Clocks, c)
		}
	}
	saved := map[string]hikeshi.ReportDraft{}
	if v.CanHandle {
		ds, err := s.st.FindReportDrafts(ctx, inc.ID)
		if err != nil {
			return v, fmt.Errorf("incident reporting: %w", err)
		}
		for _, d := range ds {
			saved[string(d.Kind)+"/"+string(d.Lang)] = d
		}
	}
	for _, k := range hikeshi.ReportKinds {
		if k != hikeshi.ReportInternal && !v.CanHandle {
			continue
		}
		if _, ok := applicable(k, clocks); !ok {
			continue
		}
		for _, l := range hikeshi.ReportLanguages {
			d, ok := saved[string(k)+"/"+string(l)]
			v.Documents = append(v.Documents, DocumentInfo{Kind: k, Lang: l, Saved: ok, UpdatedAt: d.UpdatedAt})
		}
	}
	if v.Comms, err = s.st.FindCommEntries(ctx, inc.ID, p); err != nil {
		return v, fmt.Errorf("incident reporting: %w", err)
	}
	return v, nil
}

// SaveDraft keeps the CSIRT's edited text of a regulator draft or the
// public statement; an empty body discards it (the template applies again).
func (s *IncidentReporting) SaveDraft(ctx context.Context, actor hikeshi.Actor, incidentID string, kind hikeshi.ReportKind,
	lang hikeshi.Locale, body string) (hikeshi.ReportDraft, error) {
	if err := checkKindLang(kind, lang); err != nil {
		return hikeshi.ReportDraft{}, err
	}
	var out hikeshi.ReportDraft
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.handleIncident(ctx, tx, actor, incidentID, "save a draft")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		if kind == hikeshi.ReportInternal {
			v.Add("kind", "not_draft", "the internal report is generated, not saved")
		}
		clocks, err := tx.FindIncidentClocks(ctx, inc.ID)
		if err != nil {
			return err
		}
		if _, ok := applicable(kind, clocks); !ok {
			v.Add("kind", "not_applicable", "no clock of this kind runs for the incident")
		}
		hikeshi.ValidateText(&v, "body", body, hikeshi.MaxReportDraftLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		before, err := tx.FindReportDraft(ctx, inc.ID, kind, lang)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		now := s.clock.Now()
		what := map[string]any{"kind": kind, "lang": lang}
		if strings.TrimSpace(body) == "" {
			if before.ID == "" {
				return nil
			}
			if err := tx.DeleteReportDraft(ctx, inc.ID, kind, lang); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "incident.report_draft.discard", "incident", inc.ID, what, nil)
		}
		out = hikeshi.ReportDraft{ID: before.ID, IncidentID: inc.ID, Kind: kind, Lang: lang, Body: body, UpdatedBy: actor.UserID,
			CreatedAt: before.CreatedAt, UpdatedAt: now}
		if out.ID == "" {
			out.ID, out.CreatedAt = hikeshi.NewID(), now
		}
		if err := tx.PutReportDraft(ctx, out); err != nil {
			return err
		}
		// The audit entry names the draft, never its words.
		what["draft_id"], what["chars"] = out.ID, len([]rune(body))
		return s.audit(ctx, tx, actor, "incident.report_draft.save", "incident", inc.ID, nil, what)
	})
	if err != nil {
		return hikeshi.ReportDraft{}, fmt.Errorf("save draft: %w", err)
	}
	return out, nil
}

// CommInput is a communication as the CSIRT records it. SentAt zero means
// now; a given time may be in the past (a call made before it was recorded)
// but never in the future. Reference is passed to the clock the message
// satisfies when it records the notification done.
type CommInput struct {
	Audience  hikeshi.Audience
	Channel   hikeshi.CommChannel
	Recipient string
	Summary   string
	ClockID   string
	SentAt    time.Time
	Reference string
}

// txStore lets a service that opens its own transaction run inside one
// already open: InTx runs fn in the enclosing transaction.
type txStore struct {
	hikeshi.Tx
	hikeshi.BlobStore
}

func (t txStore) InTx(_ context.Context, fn func(tx hikeshi.Tx) error) error { return fn(t.Tx) }
func (t txStore) Ping(context.Context) error                                 { return nil }

// LogCommunication records who was told what. A message to the regulator
// linked to a running regulatory clock records that notification done at
// SentAt, in the same transaction.
func (s *IncidentReporting) LogCommunication(ctx context.Context, actor hikeshi.Actor, incidentID string, in CommInput) (hikeshi.CommEntry, error) {
	in.Recipient, in.Summary, in.ClockID, in.Reference = strings.TrimSpace(in.Recipient), strings.TrimSpace(in.Summary),
		strings.TrimSpace(in.ClockID), strings.TrimSpace(in.Reference)
	var out hikeshi.CommEntry
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.handleIncident(ctx, tx, actor, incidentID, "record a communication")
		if err != nil {
			return err
		}
		now := s.clock.Now()
		var v hikeshi.ValidationError
		if !in.Audience.Valid() {
			v.Add("audience", "unknown", "choose who was told")
		}
		if !in.Channel.Valid() {
			v.Add("channel", "unknown", "choose how they were told")
		}
		hikeshi.ValidateText(&v, "recipient", in.Recipient, hikeshi.MaxCommRecipientLen, false)
		hikeshi.ValidateText(&v, "summary", in.Summary, hikeshi.MaxCommSummaryLen, true)
		hikeshi.ValidateText(&v, "reference", in.Reference, hikeshi.MaxClockReferenceLen, false)
		sent := in.SentAt
		if sent.IsZero() {
			sent = now
		}
		switch {
		case sent.After(now):
			v.Add("sent_at", "in_future", "the time it was sent cannot be in the future")
		case sent.Before(now.Add(-hikeshi.MaxCommSentAge)):
			v.Add("sent_at", "too_old", "the time it was sent is more than five years ago")
		}
		var clock hikeshi.IncidentClock
		if in.ClockID != "" {
			c, err := tx.FindClockByID(ctx, in.ClockID)
			switch {
			case errors.Is(err, hikeshi.ErrNotFound) || (err == nil && (c.IncidentID != inc.ID || !c.Kind.Regulatory() || !c.WithdrawnAt.IsZero())):
				v.Add("clock_id", "unknown", "not a regulatory clock of this incident")
			case err != nil:
				return err
			default:
				clock = c
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		out = hikeshi.CommEntry{ID: hikeshi.NewID(), IncidentID: inc.ID, Audience: in.Audience, Channel: in.Channel, Recipient: in.Recipient,
			Summary: in.Summary, ClockID: clock.ID, SentAt: sent.UTC(), RecordedBy: actor.UserID, RecordedAt: now}
		if err := tx.CreateCommEntry(ctx, out); err != nil {
			return err
		}
		// The audit entry carries ids and codes, never the words.
		if err := s.audit(ctx, tx, actor, "incident.communication", "incident", inc.ID, nil, map[string]string{"entry_id": out.ID,
			"audience": string(out.Audience), "channel": string(out.Channel), "clock_id": out.ClockID, "sent_at": hikeshi.FormatTime(out.SentAt)}); err != nil {
			return err
		}
		if clock.ID == "" || in.Audience != hikeshi.AudienceRegulator || !clock.DoneAt.IsZero() {
			return nil
		}
		clocks := &Clocks{base: base{st: txStore{Tx: tx, BlobStore: s.st}, clock: s.clock}}
		_, err = clocks.RecordDone(ctx, actor, inc.ID, clock.ID, DoneInput{NotifiedAt: out.SentAt, Reference: in.Reference})
		var ve *hikeshi.ValidationError
		if errors.As(err, &ve) {
			for i := range ve.Fields {
				if ve.Fields[i].Field == "notified_at" {
					ve.Fields[i].Field = "sent_at"
				}
			}
			return ve
		}
		return err
	})
	if err != nil {
		return hikeshi.CommEntry{}, fmt.Errorf("record communication: %w", err)
	}
	return out, nil
}

// Communications lists an incident's communication log newest first.
func (s *IncidentReporting) Communications(ctx context.Context, actor hikeshi.Actor, incidentID string, p hikeshi.Page) ([]hikeshi.CommEntry, error) {
	inc, err := s.seeIncident(ctx, s.st, actor, incidentID)
	if err != nil {
		return nil, fmt.Errorf("communication log: %w", err)
	}
	out, err := s.st.FindCommEntries(ctx, inc.ID, p)
	if err != nil {
		return nil, fmt.Errorf("communication log: %w", err)
	}
	return out, nil
}

// TemplateView is one template as the settings page shows it.
type TemplateView struct {
	Kind      hikeshi.ReportKind
	Lang      hikeshi.Locale
	Body      string
	Custom    bool // the organisation's own; otherwise the default
	UpdatedAt time.Time
}

// Templates lists every kind and language with the template in force (CSIRT and admins).
func (s *IncidentReporting) Templates(ctx context.Context, actor hikeshi.Actor) ([]TemplateView, error) {
	if !canHandle(actor) {
		return nil, forbid("read report templates")
	}
	custom, err := s.st.FindReportTemplates(ctx)
	if err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	byKey := map[string]hikeshi.ReportTemplate{}
	for _, t := range custom {
		byKey[string(t.Kind)+"/"+string(t.Lang)] = t
	}
	var out []TemplateView
	for _, k := range hikeshi.ReportKinds {
		for _, l := range hikeshi.ReportLanguages {
			v := TemplateView{Kind: k, Lang: l, Body: hikeshi.DefaultReportTemplate(k, l)}
			if t, ok := byKey[string(k)+"/"+string(l)]; ok {
				v.Body, v.Custom, v.UpdatedAt = t.Body, true, t.UpdatedAt
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// Template returns the template in force of one kind and language.
func (s *IncidentReporting) Template(ctx context.Context, actor hikeshi.Actor, kind hikeshi.ReportKind, lang hikeshi.Locale) (TemplateView, error) {
	if err := checkKindLang(kind, lang); err != nil {
		return TemplateView{}, err
	}
	all, err := s.Templates(ctx, actor)
	if err != nil {
		return TemplateView{}, err
	}
	for _, v := range all {
		if v.Kind == kind && v.Lang == lang {
			return v, nil
		}
	}
	return TemplateView{}, hikeshi.ErrNotFound
}

// SetTemplate keeps the organisation's template of kind and lang after
// checking it against the sample incident (CSIRT and admins).
func (s *IncidentReporting) SetTemplate(ctx context.Context, actor hikeshi.Actor, kind hikeshi.ReportKind, lang hikeshi.Locale, body string) error {
	if !canHandle(actor) {
		return forbid("edit report templates")
	}
	if err := checkKindLang(kind, lang); err != nil {
		return err
	}
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if err := hikeshi.ValidateReportTemplate(kind, lang, body); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindReportTemplate(ctx, kind, lang)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		if before.Body == body {
			return nil
		}
		t := hikeshi.ReportTemplate{Kind: kind, Lang: lang, Body: body, UpdatedBy: actor.UserID, UpdatedAt: s.clock.Now()}
		if err := tx.PutReportTemplate(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "report_template.set", "report_template", string(kind)+"/"+string(lang),
			templateAudit(before.Body), templateAudit(body))
	})
	if err != nil {
		return fmt.Errorf("set report template: %w", err)
	}
	return nil
}

// ResetTemplate returns kind and lang to the built-in default.
func (s *IncidentReporting) ResetTemplate(ctx context.Context, actor hikeshi.Actor, kind hikeshi.ReportKind, lang hikeshi.Locale) error {
	if !canHandle(actor) {
		return forbid("edit report templates")
	}
	if err := checkKindLang(kind, lang); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindReportTemplate(ctx, kind, lang)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteReportTemplate(ctx, kind, lang); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "report_template.reset", "report_template", string(kind)+"/"+string(lang), templateAudit(before.Body), nil)
	})
	if err != nil {
		return fmt.Errorf("reset report template: %w", err)
	}
	return nil
}

// templateAudit is what the audit log keeps of a template: its size (the
// organisation's templates hold no incident's words, but they can be long).
func templateAudit(body string) map[string]int {
	if body == "" {
		return nil
	}
	return map[string]int{"bytes": len(body), "lines": strings.Count(body, "\n") + 1}
}
