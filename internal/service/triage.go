package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Triage is the CSIRT's triage of new reports (IH-4): classification, the
// priority matrix, TLP, owner and the decision on each report, with the time
// of every decision kept.
//
// Who does what: the CSIRT and admins triage (the queue, a report's triage,
// classifying and deciding) and change the priority matrix and the taxonomy
// in use. Anyone who reads every record (admins, CSIRT, managers, auditors)
// reads the matrix and the taxonomy. A report the actor may not read is
// ErrNotFound; one they read but may not triage is ErrForbidden. Incidents
// are reached only through the incident service's visibility rule, so an
// incident the actor may not see is ErrNotFound here too.
type Triage struct {
	base
	incidents *Incidents
}

// priorityMatrix is the organisation's configured impact × urgency matrix,
// or the default one until it configures its own.
func priorityMatrix(ctx context.Context, r hikeshi.Reader) (hikeshi.PriorityMatrix, error) {
	v, err := r.GetSetting(ctx, hikeshi.SettingPriorityMatrix)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.DefaultPriorityMatrix, nil
	}
	if err != nil {
		return hikeshi.PriorityMatrix{}, fmt.Errorf("priority matrix: %w", err)
	}
	return hikeshi.ParsePriorityMatrix(v)
}

// taxonomy is the organisation's set of disabled RSIT keys.
func taxonomy(ctx context.Context, r hikeshi.Reader) (hikeshi.Taxonomy, error) {
	t := hikeshi.Taxonomy{Disabled: map[string]bool{}}
	v, err := r.GetSetting(ctx, hikeshi.SettingTaxonomyDisabled)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("taxonomy: %w", err)
	}
	var keys []string
	if err := json.Unmarshal([]byte(v), &keys); err != nil {
		return t, fmt.Errorf("taxonomy: %w", err)
	}
	for _, k := range keys {
		t.Disabled[k] = true
	}
	return t, nil
}

// canTriage reports whether the actor triages reports: the CSIRT and admins.
func canTriage(a hikeshi.Actor) bool { return a.CanAnswerReports() || a.IsSystem() }

// requireTriage refuses actors who may not triage.
func requireTriage(a hikeshi.Actor, what string) error {
	if a.UserID == "" && !a.IsSystem() {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrUnauthenticated)
	}
	if !canTriage(a) {
		return forbid(what)
	}
	return nil
}

// triageReport loads a report for triage: ErrNotFound when the actor may not
// read it, ErrForbidden when they read it but do not triage.
func triageReport(ctx context.Context, r hikeshi.Reader, a hikeshi.Actor, id, what string) (hikeshi.Report, error) {
	rep, err := r.FindReportByID(ctx, id)
	if err != nil {
		return hikeshi.Report{}, err
	}
	if !canRead(a, rep) {
		return hikeshi.Report{}, hikeshi.ErrNotFound
	}
	if !canTriage(a) {
		return hikeshi.Report{}, forbid(what)
	}
	return rep, nil
}

// RefNotFoundError says that an incident or report named in a field (by id or
// number) does not exist or may not be seen by the actor; the two are not
// told apart. It unwraps to ErrNotFound.
type RefNotFoundError struct {
	Field string
}

func (e *RefNotFoundError) Error() string { return e.Field + ": not found" }

// Unwrap makes the error an ErrNotFound.
func (e *RefNotFoundError) Unwrap() error { return hikeshi.ErrNotFound }

// incidentRef resolves an incident named by id or number and loads it for a
// change by actor; anything unknown or invisible is a *RefNotFoundError.
func (s *Triage) incidentRef(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, field, ref, what string) (hikeshi.Incident, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return hikeshi.Incident{}, hikeshi.Invalid(field, "required", "name the incident by its number or id")
	}
	id := ref
	if strings.HasPrefix(strings.ToUpper(ref), hikeshi.IncidentNumberPrefix+"-") {
		var err error
		if id, err = tx.FindIncidentIDByNumber(ctx, strings.ToUpper(ref)); err != nil {
			if errors.Is(err, hikeshi.ErrNotFound) {
				return hikeshi.Incident{}, &RefNotFoundError{Field: field}
			}
			return hikeshi.Incident{}, err
		}
	}
	i, err := s.incidents.handle(ctx, tx, actor, id, what)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.Incident{}, &RefNotFoundError{Field: field}
	}
	return i, err
}

// reportRef resolves a report named by id or number; unknown is a *RefNotFoundError.
func reportRef(ctx context.Context, r hikeshi.Reader, field, ref string) (hikeshi.Report, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return hikeshi.Report{}, hikeshi.Invalid(field, "required", "name the report by its number or id")
	}
	id := ref
	if strings.HasPrefix(strings.ToUpper(ref), hikeshi.ReportNumberPrefix+"-") {
		var err error
		if id, err = r.FindReportIDByNumber(ctx, strings.ToUpper(ref)); err != nil {
			if errors.Is(err, hikeshi.ErrNotFound) {
				return hikeshi.Report{}, &RefNotFoundError{Field: field}
			}
			return hikeshi.Report{}, err
		}
	}
	rep, err := r.FindReportByID(ctx, id)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.Report{}, &RefNotFoundError{Field: field}
	}
	return rep, err
}

// Queue lists the reports waiting for triage (new or in_triage), oldest
// first: the report that has waited longest is the one most at risk of
// missing its time to triage, so it comes first. Page.After is the id of the
// last report seen. CSIRT and admins only.
func (s *Triage) Queue(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.TriageQueueItem, error) {
	if err := requireTriage(actor, "list the triage queue"); err != nil {
		return nil, err
	}
	out, err := s.st.FindTriageQueue(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("triage queue: %w", err)
	}
	now := s.clock.Now()
	for i := range out {
		out[i].Waiting = max(0, now.Sub(out[i].Report.ReportedAt))
	}
	return out, nil
}

// TriageView is one report with everything its triage page shows.
type TriageView struct {
	Report      hikeshi.Report
	Messages    []hikeshi.ReportMessage
	Attachments []hikeshi.ReportAttachment
	Triage      hikeshi.ReportTriage // zero until something was saved
	History     []hikeshi.TriageRecord
	// Incident is the incident the report belongs to, when the actor may see it.
	Incident hikeshi.Incident
	// HasIncident is true when the report belongs to an incident, seen or not.
	HasIncident bool
	DuplicateOf hikeshi.Report // the original, for a duplicate
	Now         time.Time
}

// Get returns a report's triage page: the report, its thread and
// attachments, its triage and the history of every decision.
func (s *Triage) Get(ctx context.Context, actor hikeshi.Actor, reportID string) (TriageView, error) {
	rep, err := triageReport(ctx, s.st, actor, reportID, "triage a report")
	if err != nil {
		return TriageView{}, fmt.Errorf("get triage: %w", err)
	}
	v := TriageView{Report: rep, Now: s.clock.Now()}
	fail := func(err error) (TriageView, error) { return TriageView{}, fmt.Errorf("get triage: %w", err) }
	if v.Messages, err = s.st.FindReportMessages(ctx, rep.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return fail(err)
	}
	if v.Attachments, err = s.st.FindReportAttachments(ctx, rep.ID); err != nil {
		return fail(err)
	}
	if v.Triage, err = s.st.FindReportTriage(ctx, rep.ID); err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return fail(err)
	}
	if v.History, err = s.st.FindTriageRecords(ctx, rep.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return fail(err)
	}
	link, err := s.st.FindReportIncident(ctx, rep.ID)
	switch {
	case err == nil:
		v.HasIncident = true
		if i, err := s.incidents.get(ctx, s.st, actor, link.IncidentID); err == nil {
			v.Incident = i
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return fail(err)
		}
	case !errors.Is(err, hikeshi.ErrNotFound):
		return fail(err)
	}
	if v.Triage.DuplicateOfID != "" {
		if v.DuplicateOf, err = s.st.FindReportByID(ctx, v.Triage.DuplicateOfID); err != nil {
			return fail(err)
		}
	}
	return v, nil
}

// ClassificationInput is a report's classification as the CSIRT sets it.
// The priority is not typed: it follows impact × urgency through the matrix.
type ClassificationInput struct {
	Category   string
	Impact     hikeshi.Level
	Urgency    hikeshi.Level
	TLP        hikeshi.TLP
	OwnerID    string // empty = unassigned
	Policy     hikeshi.ResponsePolicy
	PolicyNote string
}

// triageAudit is what the audit log keeps of a classification: keys, levels
// and ids, never the notes.
type triageAudit struct {
	Category string `json:"category"`
	Impact   int    `json:"impact"`
	Urgency  int    `json:"urgency"`
	Priority int    `json:"priority"`
	TLP      string `json:"tlp"`
	OwnerID  string `json:"owner_id,omitempty"`
	Policy   string `json:"policy,omitempty"`
}

func auditOfClassification(c hikeshi.TriageClassification) triageAudit {
	return triageAudit{Category: c.Category, Impact: int(c.Impact), Urgency: int(c.Urgency), Priority: int(c.Priority),
		TLP: string(c.TLP), OwnerID: c.OwnerID, Policy: string(c.Policy)}
}

// validateClassification checks a classification against the taxonomy in
// use; a category the organisation disabled is refused unless the report
// already carries it.
func validateClassification(ctx context.Context, r hikeshi.Reader, c hikeshi.TriageClassification, current string) error {
	var v hikeshi.ValidationError
	tax, err := taxonomy(ctx, r)
	if err != nil {
		return err
	}
	switch _, _, ok := hikeshi.RSITLookup(c.Category); {
	case c.Category == "":
		v.Add("category", "required", "choose a category of the Reference Security Incident Taxonomy")
	case !ok:
		v.Add("category", "unknown", "category must be a class or type of the Reference Security Incident Taxonomy")
	case !tax.Enabled(c.Category) && c.Category != current:
		v.Add("category", "disabled", "the organisation does not use this category")
	}
	if !c.Impact.Valid() {
		v.Add("impact", "out_of_range", "impact must be 1 (highest) to 4")
	}
	if !c.Urgency.Valid() {
		v.Add("urgency", "out_of_range", "urgency must be 1 (highest) to 4")
	}
	if !c.TLP.Valid() {
		v.Add("tlp", "unknown", "tlp must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	}
	if c.Policy != "" && !c.Policy.Valid() {
		v.Add("policy", "unknown", "policy must be full_response, monitor, forward or advise_reporter")
	}
	hikeshi.ValidateText(&v, "policy_note", c.PolicyNote, hikeshi.MaxTriageNoteLen, false)
	if c.OwnerID != "" {
		u, err := r.FindUserByID(ctx, c.OwnerID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("owner_id", "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add("owner_id", "disabled", "the user is disabled")
		case u.Role != hikeshi.RoleCSIRT && u.Role != hikeshi.RoleAdmin:
			v.Add("owner_id", "not_handler", "the owner is a member of the CSIRT or an admin")
		}
	}
	return v.Err()
}

// classify validates and saves a classification inside tx, moves a new
// report into triage, and records and audits it. It returns the new state.
func (s *Triage) classify(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, rep hikeshi.Report, in ClassificationInput) (hikeshi.ReportTriage, error) {
	cur, err := tx.FindReportTriage(ctx, rep.ID)
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.ReportTriage{}, err
	}
	c := hikeshi.TriageClassification{Category: strings.TrimSpace(in.Category), Impact: in.Impact, Urgency: in.Urgency,
		TLP: in.TLP, OwnerID: strings.TrimSpace(in.OwnerID), Policy: in.Policy, PolicyNote: strings.TrimSpace(in.PolicyNote)}
	if err := validateClassification(ctx, tx, c, cur.Category); err != nil {
		return hikeshi.ReportTriage{}, err
	}
	m, err := priorityMatrix(ctx, tx)
	if err != nil {
		return hikeshi.ReportTriage{}, err
	}
	c.Priority = m.Priority(c.Impact, c.Urgency)
	now := s.clock.Now()
	next := cur
	next.ReportID, next.TriageClassification, next.ClassifiedBy, next.ClassifiedAt = rep.ID, c, actor.UserID, now
	if cur.Classified() && cur.TriageClassification == c {
		return cur, nil // nothing changed: no history entry, no audit
	}
	if err := tx.PutReportTriage(ctx, next); err != nil {
		return hikeshi.ReportTriage{}, err
	}
	rec := hikeshi.TriageRecord{ID: hikeshi.NewID(), ReportID: rep.ID, Action: hikeshi.TriageClassified, TriageClassification: c,
		AuthorID: actor.UserID, At: now}
	if err := tx.CreateTriageRecord(ctx, rec); err != nil {
		return hikeshi.ReportTriage{}, err
	}
	var before any
	if cur.Classified() {
		before = auditOfClassification(cur.TriageClassification)
	}
	if err := s.audit(ctx, tx, actor, "triage.classify", "report", rep.ID, before, auditOfClassification(c)); err != nil {
		return hikeshi.ReportTriage{}, err
	}
	if rep.Status == hikeshi.ReportNew {
		if err := s.setReportStatus(ctx, tx, actor, rep, hikeshi.ReportInTriage, now); err != nil {
			return hikeshi.ReportTriage{}, err
		}
	}
	return next, nil
}

// setReportStatus moves a report and audits the move as the report service does.
func (s *Triage) setReportStatus(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, rep hikeshi.Report, next hikeshi.ReportStatus, at time.Time) error {
	if rep.Status == next {
		return nil
	}
	if err := tx.UpdateReportStatus(ctx, rep.ID, next, at); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "report.status", "report", rep.ID,
		map[string]string{"status": string(rep.Status)}, map[string]string{"status": string(next)})
}

// Classify saves a report's classification without deciding (CSIRT and
// admins); a new report moves into triage. Saving the same classification
// again changes nothing.
func (s *Triage) Classify(ctx context.Context, actor hikeshi.Actor, reportID string, in ClassificationInput) (hikeshi.ReportTriage, error) {
	var out hikeshi.ReportTriage
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		rep, err := triageReport(ctx, tx, actor, reportID, "classify a report")
		if err != nil {
			return err
		}
		out, err = s.classify(ctx, tx, actor, rep, in)
		return err
	})
	if err != nil {
		return hikeshi.ReportTriage{}, fmt.Errorf("classify report: %w", err)
	}
	return out, nil
}

// DecisionInput is a triage decision with what each kind needs.
type DecisionInput struct {
	Decision hikeshi.TriageAction
	// Classification, when given, is saved first in the same transaction.
	Classification *ClassificationInput
	Title          string // new_incident: the incident's title
	Incident       string // attach: the incident, by number (INC-…) or id
	DuplicateOf    string // duplicate: the original report, by number (RPT-…) or id
	Reason         string // not_incident: why (required)
	Message        string // not_incident: an optional answer to the reporter
}

// DecisionResult is what a decision did.
type DecisionResult struct {
	Triage   hikeshi.ReportTriage
	Record   hikeshi.TriageRecord
	Incident hikeshi.Incident // new_incident and attach: the incident
}

// decisionAudit is what the audit log keeps of a decision: ids, never the
// reason, the title or the message.
type decisionAudit struct {
	Decision    string `json:"decision"`
	RecordID    string `json:"record_id"`
	IncidentID  string `json:"incident_id,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	MessageID   string `json:"message_id,omitempty"`
}

// HasIncidentError is the conflict of a new_incident decision on a report that
// already belongs to an incident (a double-submitted form, a second handler):
// Number names the incident.
type HasIncidentError struct {
	IncidentID string
	Number     string // empty when the actor may not see the incident
}

func (e *HasIncidentError) Error() string {
	if e.Number != "" {
		return fmt.Sprintf("the report already belongs to incident %s: %v", e.Number, hikeshi.ErrConflict)
	}
	return fmt.Sprintf("the report already belongs to an incident: %v", hikeshi.ErrConflict)
}

// Unwrap makes the error an ErrConflict.
func (e *HasIncidentError) Unwrap() error { return hikeshi.ErrConflict }

// Decide records a decision on a report (CSIRT and admins), in one
// transaction with everything it does:
//   - new_incident opens an incident from the report with its classification
//     (the title typed by the CSIRT, the summary from the report) and links
//     the report to it; a report that already belongs to an incident is
//     refused with *HasIncidentError, so a double submission opens one incident;
//   - attach links the report to an incident the actor can see and handle;
//   - not_incident needs a reason, and may answer the reporter in the
//     report's thread (read with the follow-up code);
//   - duplicate links the report to the original report.
//
// Every decision closes the report, keeps a history entry with its time and
// author (a revisited decision adds one; none is lost) and is audited.
func (s *Triage) Decide(ctx context.Context, actor hikeshi.Actor, reportID string, in DecisionInput) (DecisionResult, error) {
	var out DecisionResult
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		rep, err := triageReport(ctx, tx, actor, reportID, "decide on a report")
		if err != nil {
			return err
		}
		if !in.Decision.IsDecision() {
			return hikeshi.Invalid("decision", "unknown", "decision must be new_incident, attach, not_incident or duplicate")
		}
		cur, err := tx.FindReportTriage(ctx, rep.ID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		if in.Classification != nil {
			if cur, err = s.classify(ctx, tx, actor, rep, *in.Classification); err != nil {
				return err
			}
			if rep, err = tx.FindReportByID(ctx, rep.ID); err != nil {
				return err
			}
		}
		out, err = s.decide(ctx, tx, actor, rep, cur, in)
		return err
	})
	var has *HasIncidentError
	if errors.As(err, &has) && has.Number == "" {
		// Name the incident when the actor may see it. Looked up after the
		// transaction: on PostgreSQL a refused insert ends it.
		if has.IncidentID == "" {
			if l, lerr := s.st.FindReportIncident(ctx, reportID); lerr == nil {
				has.IncidentID = l.IncidentID
			}
		}
		if i, gerr := s.incidents.get(ctx, s.st, actor, has.IncidentID); gerr == nil {
			has.Number = i.Number
		}
	}
	if err != nil {
		return DecisionResult{}, fmt.Errorf("decide on report: %w", err)
	}
	return out, nil
}

func (s *Triage) decide(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, rep hikeshi.Report, cur hikeshi.ReportTriage, in DecisionInput) (DecisionResult, error) {
	now := s.clock.Now()
	var v hikeshi.ValidationError
	rec := hikeshi.TriageRecord{ID: hikeshi.NewID(), ReportID: rep.ID, Action: in.Decision,
		TriageClassification: cur.TriageClassification, AuthorID: actor.UserID, At: now}
	var res DecisionResult
	link, err := tx.FindReportIncident(ctx, rep.ID)
	hasLink := err == nil
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return res, err
	}
	dropLink := func() error {
		if !hasLink {
			return nil
		}
		return tx.DeleteReportIncident(ctx, rep.ID)
	}
	switch in.Decision {
	case hikeshi.TriageNewIncident:
		if hasLink {
			return res, &HasIncidentError{IncidentID: link.IncidentID}
		}
		title := strings.TrimSpace(in.Title)
		hikeshi.ValidateText(&v, "title", title, hikeshi.MaxIncidentTitleLen, true)
		if strings.ContainsAny(title, "\r\n") {
			v.Add("title", "invalid_text", "the title is one line")
		}
		if !cur.Classified() {
			v.Add("category", "required", "classify the report before opening an incident")
		}
		if err := v.Err(); err != nil {
			return res, err
		}
		summary := rep.Description
		if n := []rune(summary); len(n) > hikeshi.MaxIncidentTextLen {
			summary = string(n[:hikeshi.MaxIncidentTextLen])
		}
		inc, err := s.incidents.create(ctx, tx, actor, IncidentInput{Title: title, Summary: summary, Category: cur.Category,
			Impact: cur.Impact, Urgency: cur.Urgency, TLP: cur.TLP, OwnerID: cur.OwnerID,
			noticedAt: rep.NoticedAt, reportedAt: rep.ReportedAt, triaged: true})
		if err != nil {
			return res, err
		}
		err = tx.CreateReportIncident(ctx, hikeshi.ReportIncident{ReportID: rep.ID, IncidentID: inc.ID, LinkedBy: actor.UserID, LinkedAt: now})
		if errors.Is(err, hikeshi.ErrConflict) {
			// A concurrent decision linked it first; this one's incident rolls back.
			return res, &HasIncidentError{}
		}
		if err != nil {
			return res, err
		}
		res.Incident, rec.IncidentID = inc, inc.ID
	case hikeshi.TriageAttach:
		inc, err := s.incidentRef(ctx, tx, actor, "incident", in.Incident, "attach a report to an incident")
		if err != nil {
			return res, err
		}
		if hasLink && link.IncidentID == inc.ID {
			return res, hikeshi.Conflict("incident", "the report already belongs to this incident")
		}
		if _, err := tx.FindIncidentMerge(ctx, inc.ID); err == nil {
			return res, hikeshi.Invalid("incident", "merged", "the incident was merged into another; attach the report there")
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return res, err
		}
		if err := tx.PutReportIncident(ctx, hikeshi.ReportIncident{ReportID: rep.ID, IncidentID: inc.ID, LinkedBy: actor.UserID, LinkedAt: now}); err != nil {
			return res, err
		}
		// An earlier report moves the incident's first-noticed and
		// first-reported times, and with them its service-level clocks.
		if after := inc.Reported(rep.NoticedAt, rep.ReportedAt); after != inc {
			after.UpdatedAt = now
			if err := tx.UpdateIncident(ctx, after); err != nil {
				return res, err
			}
			if err := s.incidents.changed(ctx, tx, actor, inc, after); err != nil {
				return res, err
			}
			inc = after
		}
		res.Incident, rec.IncidentID = inc, inc.ID
	case hikeshi.TriageNotIncident:
		reason, msg := strings.TrimSpace(in.Reason), strings.TrimSpace(in.Message)
		hikeshi.ValidateText(&v, "reason", reason, hikeshi.MaxTriageNoteLen, true)
		hikeshi.ValidateText(&v, "message", msg, hikeshi.MaxReportTextLen, false)
		if err := v.Err(); err != nil {
			return res, err
		}
		if err := dropLink(); err != nil {
			return res, err
		}
		rec.Reason = reason
		if msg != "" {
			m := hikeshi.ReportMessage{ID: hikeshi.NewID(), ReportID: rep.ID, Author: hikeshi.AuthorCSIRT, AuthorUserID: actor.UserID,
				Body: msg, CreatedAt: now}
			if err := tx.CreateReportMessage(ctx, m); err != nil {
				return res, err
			}
			if err := s.audit(ctx, tx, actor, "report.message", "report", rep.ID, nil,
				map[string]string{"message_id": m.ID, "author": string(m.Author)}); err != nil {
				return res, err
			}
			rec.MessageID = m.ID
		}
	case hikeshi.TriageDuplicate:
		orig, err := reportRef(ctx, tx, "duplicate_of", in.DuplicateOf)
		if err != nil {
			return res, err
		}
		if orig.ID == rep.ID {
			return res, hikeshi.Invalid("duplicate_of", "same", "a report cannot duplicate itself")
		}
		if ot, err := tx.FindReportTriage(ctx, orig.ID); err == nil && ot.Decision == hikeshi.TriageDuplicate && ot.DuplicateOfID == rep.ID {
			return res, hikeshi.Invalid("duplicate_of", "cycle", "that report is recorded as a duplicate of this one")
		} else if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return res, err
		}
		if err := dropLink(); err != nil {
			return res, err
		}
		rec.DuplicateOfID = orig.ID
	}
	next := cur
	next.ReportID, next.Decision, next.DecidedBy, next.DecidedAt = rep.ID, in.Decision, actor.UserID, now
	next.DuplicateOfID, next.Reason = rec.DuplicateOfID, rec.Reason
	if err := tx.PutReportTriage(ctx, next); err != nil {
		return res, err
	}
	if err := tx.CreateTriageRecord(ctx, rec); err != nil {
		return res, err
	}
	if err := s.audit(ctx, tx, actor, "triage.decide", "report", rep.ID, nil, decisionAudit{Decision: string(in.Decision),
		RecordID: rec.ID, IncidentID: rec.IncidentID, DuplicateOf: rec.DuplicateOfID, MessageID: rec.MessageID}); err != nil {
		return res, err
	}
	if rep.Status != hikeshi.ReportClosed {
		if err := s.setReportStatus(ctx, tx, actor, rep, hikeshi.ReportClosed, now); err != nil {
			return res, err
		}
	}
	res.Triage, res.Record = next, rec
	return res, nil
}

// Owners lists the people who may own a triaged report or an incident:
// active members of the CSIRT and admins, for the handlers' forms.
func (s *Triage) Owners(ctx context.Context, actor hikeshi.Actor) ([]hikeshi.User, error) {
	if !canHandle(actor) {
		return nil, forbid("list the possible owners")
	}
	var out []hikeshi.User
	for _, role := range []hikeshi.Role{hikeshi.RoleCSIRT, hikeshi.RoleAdmin} {
		p := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
		for {
			us, err := s.st.FindUsers(ctx, hikeshi.UserFilter{Role: role, Page: p})
			if err != nil {
				return nil, fmt.Errorf("list owners: %w", err)
			}
			for _, u := range us {
				if u.Active() {
					out = append(out, u)
				}
			}
			if len(us) < p.Limit {
				break
			}
			p.After = us[len(us)-1].ID
		}
	}
	return out, nil
}

// Matrix returns the organisation's priority matrix (every role that reads
// every record).
func (s *Triage) Matrix(ctx context.Context, actor hikeshi.Actor) (hikeshi.PriorityMatrix, error) {
	if !actor.CanReadAll() && !actor.IsSystem() {
		return hikeshi.PriorityMatrix{}, forbid("read the priority matrix")
	}
	m, err := priorityMatrix(ctx, s.st)
	if err != nil {
		return hikeshi.PriorityMatrix{}, fmt.Errorf("get priority matrix: %w", err)
	}
	return m, nil
}

// UpdateMatrix replaces the priority matrix (admins and the CSIRT, who run
// triage with it): four rows (impact 1–4) of four priorities (urgency 1–4),
// each 1–4; it need not be monotone. Incidents and triaged reports keep the
// priority they were given; changes of impact or urgency use the new matrix.
func (s *Triage) UpdateMatrix(ctx context.Context, actor hikeshi.Actor, rows [][]int) (hikeshi.PriorityMatrix, error) {
	if !canTriage(actor) {
		return hikeshi.PriorityMatrix{}, forbid("change the priority matrix")
	}
	m, err := hikeshi.MatrixFromRows(rows)
	if err != nil {
		return hikeshi.PriorityMatrix{}, err
	}
	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := priorityMatrix(ctx, tx)
		if err != nil {
			return err
		}
		if before == m {
			return nil
		}
		b, err := json.Marshal(m.Rows())
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, hikeshi.SettingPriorityMatrix, string(b), s.clock.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "settings.update", "settings", hikeshi.SettingPriorityMatrix,
			map[string]any{"matrix": before.Rows()}, map[string]any{"matrix": m.Rows()})
	})
	if err != nil {
		return hikeshi.PriorityMatrix{}, fmt.Errorf("update priority matrix: %w", err)
	}
	return m, nil
}

// Taxonomy returns which RSIT classes and types the organisation uses.
func (s *Triage) Taxonomy(ctx context.Context, actor hikeshi.Actor) (hikeshi.Taxonomy, error) {
	if !actor.CanReadAll() && !actor.IsSystem() {
		return hikeshi.Taxonomy{}, forbid("read the taxonomy in use")
	}
	t, err := taxonomy(ctx, s.st)
	if err != nil {
		return hikeshi.Taxonomy{}, fmt.Errorf("get taxonomy: %w", err)
	}
	return t, nil
}

// TaxonomyFor returns the taxonomy in use for a handler's forms, without the
// read-all check (department members never see those forms).
func (s *Triage) TaxonomyFor(ctx context.Context) (hikeshi.Taxonomy, error) {
	return taxonomy(ctx, s.st)
}

// UpdateTaxonomy sets the RSIT keys the organisation uses (admins and the
// CSIRT); every other key is disabled: not offered for new classifications,
// while records that carry it keep it. At least one key stays enabled.
func (s *Triage) UpdateTaxonomy(ctx context.Context, actor hikeshi.Actor, enabled []string) (hikeshi.Taxonomy, error) {
	if !canTriage(actor) {
		return hikeshi.Taxonomy{}, forbid("change the taxonomy in use")
	}
	on := map[string]bool{}
	var v hikeshi.ValidationError
	for _, k := range enabled {
		if _, _, ok := hikeshi.RSITLookup(k); !ok {
			v.Add("enabled", "unknown", fmt.Sprintf("%q is not a class or type of the taxonomy", k))
			break
		}
		on[k] = true
	}
	if len(on) == 0 && v.Err() == nil {
		v.Add("enabled", "required", "keep at least one class or type enabled")
	}
	if err := v.Err(); err != nil {
		return hikeshi.Taxonomy{}, err
	}
	t := hikeshi.Taxonomy{Disabled: map[string]bool{}}
	var disabled []string
	for _, k := range hikeshi.RSITKeys() {
		if !on[k] {
			t.Disabled[k] = true
			disabled = append(disabled, k)
		}
	}
	if len(t.EnabledKeys()) == 0 {
		return hikeshi.Taxonomy{}, hikeshi.Invalid("enabled", "required", "keep at least one class with its type enabled")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := taxonomy(ctx, tx)
		if err != nil {
			return err
		}
		var was []string
		for k := range before.Disabled {
			was = append(was, k)
		}
		slices.Sort(was)
		if slices.Equal(was, disabled) {
			return nil
		}
		if disabled == nil {
			disabled = []string{}
		}
		b, err := json.Marshal(disabled)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, hikeshi.SettingTaxonomyDisabled, string(b), s.clock.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "settings.update", "settings", hikeshi.SettingTaxonomyDisabled,
			map[string]any{"disabled": was}, map[string]any{"disabled": disabled})
	})
	if err != nil {
		return hikeshi.Taxonomy{}, fmt.Errorf("update taxonomy: %w", err)
	}
	return t, nil
}

// RelatedIncident is an incident linked to another, as one of them sees it.
type RelatedIncident struct {
	Incident hikeshi.Incident
	Link     hikeshi.IncidentLink
}

// IncidentTriage is what the incident page shows of triage: the reports the
// incident came from, the incidents related to it, and merges.
type IncidentTriage struct {
	Reports    []hikeshi.Report // only those the actor may read
	Related    []RelatedIncident
	MergedInto *hikeshi.Incident // set when this incident was merged into another the actor sees
	Merge      *hikeshi.IncidentMerge
	MergedFrom []hikeshi.Incident // incidents merged into this one that the actor sees
}

// IncidentLinks returns the triage side of an incident the actor may see.
// Related and merged incidents the actor may not see are left out.
func (s *Triage) IncidentLinks(ctx context.Context, actor hikeshi.Actor, incidentID string) (IncidentTriage, error) {
	var out IncidentTriage
	fail := func(err error) (IncidentTriage, error) {
		return IncidentTriage{}, fmt.Errorf("incident links: %w", err)
	}
	if _, err := s.incidents.get(ctx, s.st, actor, incidentID); err != nil {
		return fail(err)
	}
	visible := func(id string) (hikeshi.Incident, bool, error) {
		i, err := s.incidents.get(ctx, s.st, actor, id)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Incident{}, false, nil
		}
		return i, err == nil, err
	}
	p := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		reps, err := s.st.FindIncidentReports(ctx, incidentID, p)
		if err != nil {
			return fail(err)
		}
		for _, r := range reps {
			if canRead(actor, r) {
				out.Reports = append(out.Reports, r)
			}
		}
		if len(reps) < p.Limit {
			break
		}
		p.After = reps[len(reps)-1].ID
	}
	links, err := s.st.FindIncidentLinks(ctx, incidentID)
	if err != nil {
		return fail(err)
	}
	for _, l := range links {
		i, ok, err := visible(l.Other(incidentID))
		if err != nil {
			return fail(err)
		}
		if ok {
			out.Related = append(out.Related, RelatedIncident{Incident: i, Link: l})
		}
	}
	m, err := s.st.FindIncidentMerge(ctx, incidentID)
	switch {
	case err == nil:
		out.Merge = &m
		i, ok, err := visible(m.IntoID)
		if err != nil {
			return fail(err)
		}
		if ok {
			out.MergedInto = &i
		}
	case !errors.Is(err, hikeshi.ErrNotFound):
		return fail(err)
	}
	from, err := s.st.FindIncidentMergesInto(ctx, incidentID)
	if err != nil {
		return fail(err)
	}
	for _, m := range from {
		i, ok, err := visible(m.IncidentID)
		if err != nil {
			return fail(err)
		}
		if ok {
			out.MergedFrom = append(out.MergedFrom, i)
		}
	}
	return out, nil
}

// LinkIncidents relates two incidents the actor can see and handle (CSIRT
// and admins), with an optional note. The link is symmetric: both incidents
// show it. other names the second incident by number or id.
func (s *Triage) LinkIncidents(ctx context.Context, actor hikeshi.Actor, incidentID, other, note string) (hikeshi.IncidentLink, error) {
	note = strings.TrimSpace(note)
	var out hikeshi.IncidentLink
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := s.incidents.handle(ctx, tx, actor, incidentID, "link incidents")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", note, hikeshi.MaxTriageNoteLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		b, err := s.incidentRef(ctx, tx, actor, "incident", other, "link incidents")
		if err != nil {
			return err
		}
		if a.ID == b.ID {
			return hikeshi.Invalid("incident", "same", "an incident cannot be related to itself")
		}
		out = hikeshi.IncidentLink{ID: hikeshi.NewID(), IncidentID: a.ID, RelatedID: b.ID, Note: note, CreatedBy: actor.UserID, CreatedAt: s.clock.Now()}
		if err := tx.CreateIncidentLink(ctx, out); err != nil {
			if errors.Is(err, hikeshi.ErrConflict) {
				return hikeshi.Conflict("incident", "the incidents are related already")
			}
			return err
		}
		return s.audit(ctx, tx, actor, "incident.link", "incident", a.ID, nil, map[string]string{"related_id": b.ID, "link_id": out.ID})
	})
	if err != nil {
		return hikeshi.IncidentLink{}, fmt.Errorf("link incidents: %w", err)
	}
	return out, nil
}

// Merge merges incident from (by number or id) into incident into (CSIRT and
// admins, both incidents visible to them): from's reports move to into, both
// timelines get a note, from is recorded as merged into into and closed in
// the same transaction. A merged incident cannot be merged again, and
// nothing is merged into an incident that was itself merged away.
func (s *Triage) Merge(ctx context.Context, actor hikeshi.Actor, intoID, from, note string) (hikeshi.IncidentMerge, error) {
	note = strings.TrimSpace(note)
	var out hikeshi.IncidentMerge
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := s.incidents.handle(ctx, tx, actor, intoID, "merge incidents")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", note, hikeshi.MaxTriageNoteLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		b, err := s.incidentRef(ctx, tx, actor, "incident", from, "merge incidents")
		if err != nil {
			return err
		}
		if a.ID == b.ID {
			return hikeshi.Invalid("incident", "same", "an incident cannot be merged into itself")
		}
		if _, err := tx.FindIncidentMerge(ctx, a.ID); err == nil {
			return hikeshi.Invalid("incident", "merged", "this incident was merged into another; merge into that one")
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		now := s.clock.Now()
		out = hikeshi.IncidentMerge{IncidentID: b.ID, IntoID: a.ID, Note: note, MergedBy: actor.UserID, MergedAt: now}
		if err := tx.CreateIncidentMerge(ctx, out); err != nil {
			if errors.Is(err, hikeshi.ErrConflict) {
				return hikeshi.Conflict("incident", "that incident was merged already")
			}
			return err
		}
		moved, err := tx.MoveIncidentReports(ctx, b.ID, a.ID, actor.UserID, now)
		if err != nil {
			return err
		}
		if after := a.Reported(b.NoticedAt, b.ReportedAt); after != a {
			after.UpdatedAt = now
			if err := tx.UpdateIncident(ctx, after); err != nil {
				return err
			}
			if err := s.incidents.changed(ctx, tx, actor, a, after); err != nil {
				return err
			}
		}
		text := b.Number + " → " + a.Number
		if note != "" {
			text += "\n" + note
		}
		for _, id := range []string{a.ID, b.ID} {
			if err := s.incidents.event(ctx, tx, actor, id, hikeshi.IncidentEvent{Kind: hikeshi.EventNote, Text: text}); err != nil {
				return err
			}
		}
		if b.Phase != hikeshi.PhaseClosed {
			closed := hikeshi.EnterPhase(b, hikeshi.PhaseClosed, now)
			if err := tx.UpdateIncident(ctx, closed); err != nil {
				return err
			}
			if err := s.incidents.event(ctx, tx, actor, b.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventPhase, FromPhase: b.Phase,
				ToPhase: hikeshi.PhaseClosed, Text: text}); err != nil {
				return err
			}
			if err := s.incidents.changed(ctx, tx, actor, b, closed); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "incident.merge", "incident", b.ID, map[string]string{"phase": string(b.Phase)},
			map[string]any{"phase": string(hikeshi.PhaseClosed), "merged_into": a.ID, "reports_moved": moved})
	})
	if err != nil {
		return hikeshi.IncidentMerge{}, fmt.Errorf("merge incidents: %w", err)
	}
	return out, nil
}
