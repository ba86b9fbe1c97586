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

// Advisories is IM-3: writing, reviewing and publishing advisories, and
// their CSAF 2.0 documents.
//
// Who sees what (decision 0039), enforced here: CSIRT and admins write,
// review and publish, and see every advisory with its working copy; every
// other signed-in role sees only published advisories whose latest revision is
// TLP:CLEAR, GREEN or AMBER, and only that revision's words. An advisory the
// actor may not see is ErrNotFound. Anyone, without signing in, gets the CSAF
// documents of published TLP:CLEAR advisories (the CSAF provider).
type Advisories struct {
	base
}

// Settings of advisories.
const (
	// SettingAdvisoryPublisher is the CSAF publisher as JSON (name, namespace,
	// category, contact_details); unset: derived from the base URL.
	SettingAdvisoryPublisher = "advisories.publisher"
	// SettingAdvisoryRecipients is the default mail list, one address a line.
	SettingAdvisoryRecipients = "advisories.recipients"
)

// KindAdvisoryMail is the job that mails a published revision to its list.
const KindAdvisoryMail = "advisory.mail"

// AdvisoryMailPayload is the payload of a KindAdvisoryMail job.
type AdvisoryMailPayload struct {
	AdvisoryID string `json:"advisory_id"`
	Revision   int    `json:"revision"`
}

// AdvisoryInput is what an author writes.
type AdvisoryInput struct {
	hikeshi.AdvisoryContent
	Recipients []string
}

// PublishInput is what the publisher adds.
type PublishInput struct {
	// Summary of the change for the revision history; empty: "Initial
	// publication" / "Updated".
	Summary string
	// BaseURL is the public address (for the document's self link and the
	// default publisher).
	BaseURL string
}

// AdvisoryView is an advisory as one reader may see it.
type AdvisoryView struct {
	hikeshi.Advisory
	// Revisions are the published revisions, newest first (CSAF left out).
	Revisions []hikeshi.AdvisoryRevision
	// Working is true when the view shows the working copy (CSIRT, admins);
	// false when it shows the latest revision.
	Working bool
	// Incident is the linked incident when the reader may see it.
	Incident *hikeshi.Incident
	// CanEdit, CanSubmit, CanReturn, CanApprove, CanPublish say which
	// workflow steps the reader may take now.
	CanEdit, CanSubmit, CanReturn, CanApprove, CanPublish bool
}

// Refusals no single input field explains (409 in the API); field "advisory".
func advisoryConflict(code, message string) error {
	return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "advisory", Code: code, Message: message}}, Conflict: true}
}

var (
	errAdvisoryInReview    = advisoryConflict("in_review", "the advisory is in review; return it to draft to change it")
	errAdvisoryNotDraft    = advisoryConflict("not_draft", "only a draft can be submitted for review")
	errAdvisoryNotInReview = advisoryConflict("not_in_review", "only an advisory in review can be approved or returned")
	errAdvisoryNotApproved = advisoryConflict("not_approved", "only an approved advisory can be published")
	errAdvisorySelfApprove = advisoryConflict("self_approval", "an advisory is approved by someone who did not write or submit the change")
)

type advisoryAudit struct {
	TrackingID string `json:"tracking_id"`
	Status     string `json:"status"`
	TLP        string `json:"tlp"`
	Category   string `json:"category"`
	Revision   int    `json:"revision"`
	Products   int    `json:"products"`
	CVEs       int    `json:"cves"`
	Recipients int    `json:"recipients"`
	IncidentID string `json:"incident_id,omitempty"`
}

// auditOfAdvisory keeps ids and classifications only: never the words.
func auditOfAdvisory(a hikeshi.Advisory) advisoryAudit {
	return advisoryAudit{TrackingID: a.TrackingID, Status: string(a.Status), TLP: string(a.TLP), Category: string(a.Category),
		Revision: a.Revision, Products: len(a.Products), CVEs: len(a.CVEs), Recipients: len(a.Recipients), IncidentID: a.IncidentID}
}

func canWriteAdvisories(a hikeshi.Actor) bool { return a.CanWriteAdvisories() || a.IsSystem() }

func advSignedIn(a hikeshi.Actor) error {
	if a.UserID == "" && !a.IsSystem() {
		return hikeshi.ErrUnauthenticated
	}
	return nil
}

// visible reports whether the actor may see the advisory at all.
func advisoryVisible(actor hikeshi.Actor, a hikeshi.Advisory) bool {
	if canWriteAdvisories(actor) {
		return true
	}
	return a.Published() && slices.Contains(hikeshi.AdvisoryTLPsFor(actor), a.PublishedTLP)
}

// List returns the advisories the actor may see, newest first. Invisible
// ones are filtered in the query, so pages stay full and cursors correct.
// CSIRT and admins see drafts and working copies too unless f.PublishedOnly,
// which shows every advisory as last published (the feeds).
func (s *Advisories) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.AdvisoryFilter) ([]hikeshi.Advisory, error) {
	if err := advSignedIn(actor); err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	f.TLPs, f.Drafts = nil, false
	// A list of published advisories shows what was published, to everyone.
	latest := f.PublishedOnly || !canWriteAdvisories(actor)
	if !canWriteAdvisories(actor) {
		f.PublishedOnly, f.TLPs = true, hikeshi.AdvisoryTLPsFor(actor)
		if f.TLPs == nil {
			f.TLPs = []hikeshi.TLP{}
		}
	}
	out, err := s.st.FindAdvisories(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	if latest {
		for i := range out {
			if err := s.showLatest(ctx, s.st, &out[i]); err != nil {
				return nil, fmt.Errorf("list advisories: %w", err)
			}
		}
	}
	return out, nil
}

// showLatest replaces the working copy with the latest revision's content.
func (s *Advisories) showLatest(ctx context.Context, r hikeshi.Reader, a *hikeshi.Advisory) error {
	rev, err := r.FindAdvisoryRevision(ctx, a.ID, a.Revision)
	if err != nil {
		return err
	}
	a.AdvisoryContent = rev.Content
	a.Status, a.Recipients, a.Editors = hikeshi.AdvisoryPublished, nil, nil
	a.SubmittedBy, a.ApprovedBy, a.SubmittedAt, a.ApprovedAt = "", rev.ApprovedBy, time.Time{}, rev.PublishedAt
	return nil
}

func (s *Advisories) get(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Advisory, error) {
	if err := advSignedIn(actor); err != nil {
		return hikeshi.Advisory{}, err
	}
	a, err := r.FindAdvisoryByID(ctx, id)
	if err != nil {
		return hikeshi.Advisory{}, err
	}
	if !advisoryVisible(actor, a) {
		return hikeshi.Advisory{}, hikeshi.ErrNotFound
	}
	return a, nil
}

// Get returns an advisory as the actor may see it, with its revisions.
func (s *Advisories) Get(ctx context.Context, actor hikeshi.Actor, id string) (AdvisoryView, error) {
	a, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return AdvisoryView{}, fmt.Errorf("get advisory: %w", err)
	}
	v := AdvisoryView{Advisory: a, Working: canWriteAdvisories(actor)}
	if !v.Working {
		if err := s.showLatest(ctx, s.st, &v.Advisory); err != nil {
			return AdvisoryView{}, fmt.Errorf("get advisory: %w", err)
		}
	}
	revs, err := s.st.FindAdvisoryRevisions(ctx, id)
	if err != nil {
		return AdvisoryView{}, fmt.Errorf("get advisory: %w", err)
	}
	for i := range revs {
		revs[i].CSAF = ""
		if !v.Working {
			// Readers outside the CSIRT get the history's numbers and dates;
			// the words of a revision only under a label they may read.
			tlp := revs[i].Content.TLP
			revs[i].Content = hikeshi.AdvisoryContent{TLP: tlp}
			if !slices.Contains(hikeshi.AdvisoryTLPsFor(actor), tlp) {
				revs[i].Summary = ""
			}
		}
	}
	v.Revisions = revs
	if v.IncidentID != "" {
		if inc, err := s.st.FindIncidentByID(ctx, v.IncidentID); err == nil {
			if ok, err := canSeeIncident(ctx, s.st, actor, inc); err != nil {
				return AdvisoryView{}, fmt.Errorf("get advisory: %w", err)
			} else if ok {
				v.Incident = &inc
			}
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return AdvisoryView{}, fmt.Errorf("get advisory: %w", err)
		}
		if v.Incident == nil {
			v.IncidentID = ""
		}
	}
	if v.Working && !actor.ReadOnly() {
		v.CanEdit = a.Status != hikeshi.AdvisoryInReview
		v.CanSubmit = a.Status == hikeshi.AdvisoryDraft
		v.CanReturn = a.Status == hikeshi.AdvisoryInReview || a.Status == hikeshi.AdvisoryApproved
		v.CanApprove = a.Status == hikeshi.AdvisoryInReview && !slices.Contains(a.Contributors(), actor.UserID)
		v.CanPublish = a.Status == hikeshi.AdvisoryApproved
	}
	return v, nil
}

// validate normalises and checks the input, including the linked incident
// (which the actor must be able to see).
func (s *Advisories) validate(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, in AdvisoryInput) (AdvisoryInput, error) {
	in.AdvisoryContent = hikeshi.NormalizeAdvisory(in.AdvisoryContent)
	var rec []string
	for _, a := range in.Recipients {
		if a = strings.TrimSpace(a); a != "" {
			rec = append(rec, hikeshi.NormalizeEmail(a))
		}
	}
	in.Recipients = rec
	var v hikeshi.ValidationError
	hikeshi.ValidateAdvisory(&v, in.AdvisoryContent)
	hikeshi.ValidateRecipients(&v, in.Recipients)
	if in.IncidentID != "" && len(in.IncidentID) <= 64 {
		inc, err := r.FindIncidentByID(ctx, in.IncidentID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("incident_id", "unknown", "no such incident")
		case err != nil:
			return in, err
		default:
			if ok, err := canSeeIncident(ctx, r, actor, inc); err != nil {
				return in, err
			} else if !ok {
				v.Add("incident_id", "unknown", "no such incident")
			}
		}
	} else if in.IncidentID != "" {
		v.Add("incident_id", "unknown", "no such incident")
	}
	return in, v.Err()
}

// Create writes a new draft (CSIRT, admins). Its tracking id comes from the
// year's counter in the same transaction.
func (s *Advisories) Create(ctx context.Context, actor hikeshi.Actor, in AdvisoryInput) (hikeshi.Advisory, error) {
	if err := advSignedIn(actor); err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("create advisory: %w", err)
	}
	if !canWriteAdvisories(actor) {
		return hikeshi.Advisory{}, fmt.Errorf("create advisory: %w", forbid("write advisories"))
	}
	var out hikeshi.Advisory
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		in, err := s.validate(ctx, tx, actor, in)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		n, err := tx.NextCounter(ctx, hikeshi.AdvisoryCounter(now.Year()))
		if err != nil {
			return err
		}
		a := hikeshi.Advisory{ID: hikeshi.NewID(), TrackingID: hikeshi.AdvisoryTrackingID(now.Year(), n), AdvisoryContent: in.AdvisoryContent,
			Status: hikeshi.AdvisoryDraft, Recipients: in.Recipients, AuthorID: actor.UserID, CreatedAt: now, UpdatedAt: now}
		if actor.UserID != "" {
			a.Editors = []string{actor.UserID}
		}
		if err := tx.CreateAdvisory(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "advisory.create", "advisory", a.ID, nil, auditOfAdvisory(a))
	})
	if err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("create advisory: %w", err)
	}
	return out, nil
}

// change loads an advisory for a change by a writer.
func (s *Advisories) change(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Advisory, error) {
	a, err := s.get(ctx, tx, actor, id)
	if err != nil {
		return a, err
	}
	if !canWriteAdvisories(actor) {
		return a, forbid(what)
	}
	return a, nil
}

// Update changes the working copy (CSIRT, admins). An approved or published
// advisory goes back to draft: the change needs a new review.
func (s *Advisories) Update(ctx context.Context, actor hikeshi.Actor, id string, in AdvisoryInput) (hikeshi.Advisory, error) {
	var out hikeshi.Advisory
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := s.change(ctx, tx, actor, id, "change an advisory")
		if err != nil {
			return err
		}
		if a.Status == hikeshi.AdvisoryInReview {
			return errAdvisoryInReview
		}
		if in, err = s.validate(ctx, tx, actor, in); err != nil {
			return err
		}
		before := a
		if a.Status != hikeshi.AdvisoryDraft {
			a.Editors = nil
		}
		a.AdvisoryContent, a.Recipients = in.AdvisoryContent, in.Recipients
		a.Status, a.SubmittedBy, a.SubmittedAt, a.ApprovedBy, a.ApprovedAt = hikeshi.AdvisoryDraft, "", time.Time{}, "", time.Time{}
		if actor.UserID != "" && !slices.Contains(a.Editors, actor.UserID) {
			a.Editors = append(a.Editors, actor.UserID)
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateAdvisory(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "advisory.update", "advisory", a.ID, auditOfAdvisory(before), auditOfAdvisory(a))
	})
	if err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("update advisory: %w", err)
	}
	return out, nil
}

// step moves an advisory through the workflow in one transaction.
func (s *Advisories) step(ctx context.Context, actor hikeshi.Actor, id, action string, fn func(tx hikeshi.Tx, a *hikeshi.Advisory) error) (hikeshi.Advisory, error) {
	var out hikeshi.Advisory
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := s.change(ctx, tx, actor, id, action+" an advisory")
		if err != nil {
			return err
		}
		if err := requireWriter(actor, action+" an advisory"); err != nil {
			return err
		}
		before := a
		if err := fn(tx, &a); err != nil {
			return err
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateAdvisory(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "advisory."+action, "advisory", a.ID, auditOfAdvisory(before), auditOfAdvisory(a))
	})
	if err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("%s advisory: %w", action, err)
	}
	return out, nil
}

// Submit sends a draft to review. The CSAF document of the next revision is
// built and checked first: a draft that would not pass is refused with the
// failed CSAF rules (field "csaf").
func (s *Advisories) Submit(ctx context.Context, actor hikeshi.Actor, id, baseURL string) (hikeshi.Advisory, error) {
	return s.step(ctx, actor, id, "submit", func(tx hikeshi.Tx, a *hikeshi.Advisory) error {
		if a.Status != hikeshi.AdvisoryDraft {
			return errAdvisoryNotDraft
		}
		if _, _, err := s.candidate(ctx, tx, *a, "check", baseURL, s.clock.Now()); err != nil {
			return err
		}
		a.Status, a.SubmittedBy, a.SubmittedAt = hikeshi.AdvisoryInReview, actor.UserID, s.clock.Now()
		return nil
	})
}

// Return takes an advisory in review (or approved) back to draft.
func (s *Advisories) Return(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Advisory, error) {
	return s.step(ctx, actor, id, "return", func(tx hikeshi.Tx, a *hikeshi.Advisory) error {
		if a.Status != hikeshi.AdvisoryInReview && a.Status != hikeshi.AdvisoryApproved {
			return errAdvisoryNotInReview
		}
		a.Status, a.ApprovedBy, a.ApprovedAt = hikeshi.AdvisoryDraft, "", time.Time{}
		return nil
	})
}

// Approve approves the change in review. Nobody approves a change they
// wrote or submitted.
func (s *Advisories) Approve(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Advisory, error) {
	return s.step(ctx, actor, id, "approve", func(tx hikeshi.Tx, a *hikeshi.Advisory) error {
		if a.Status != hikeshi.AdvisoryInReview {
			return errAdvisoryNotInReview
		}
		if actor.UserID != "" && slices.Contains(a.Contributors(), actor.UserID) {
			return errAdvisorySelfApprove
		}
		a.Status, a.ApprovedBy, a.ApprovedAt = hikeshi.AdvisoryApproved, actor.UserID, s.clock.Now()
		return nil
	})
}

// Publish publishes the approved change as the next revision: it builds the
// CSAF document, validates it (refusing to publish one that fails, field
// "csaf"), stores the revision and, when the advisory has a mail list (or
// the organisation a default one), enqueues the mail in the same transaction.
func (s *Advisories) Publish(ctx context.Context, actor hikeshi.Actor, id string, in PublishInput) (hikeshi.AdvisoryRevision, error) {
	var v hikeshi.ValidationError
	in.Summary = strings.TrimSpace(in.Summary)
	hikeshi.ValidateText(&v, "summary", in.Summary, hikeshi.MaxRevisionSummaryLen, false)
	if strings.ContainsAny(in.Summary, "\r\n") {
		v.Add("summary", "invalid_text", "the summary is one line")
	}
	if err := v.Err(); err != nil {
		return hikeshi.AdvisoryRevision{}, fmt.Errorf("publish advisory: %w", err)
	}
	var rev hikeshi.AdvisoryRevision
	_, err := s.step(ctx, actor, id, "publish", func(tx hikeshi.Tx, a *hikeshi.Advisory) error {
		if a.Status != hikeshi.AdvisoryApproved {
			return errAdvisoryNotApproved
		}
		now := s.clock.Now()
		r, doc, err := s.candidate(ctx, tx, *a, in.Summary, in.BaseURL, now)
		if err != nil {
			return err
		}
		r.CSAF, r.PublishedBy, r.ApprovedBy = doc, actor.UserID, a.ApprovedBy
		if err := tx.CreateAdvisoryRevision(ctx, r); err != nil {
			return err
		}
		if a.InitialRelease.IsZero() {
			a.InitialRelease = now
		}
		a.CurrentRelease, a.Revision, a.Status = now, r.Number, hikeshi.AdvisoryPublished
		a.PublishedTLP, a.PublishedCategory = a.TLP, a.Category
		a.Editors, a.SubmittedBy, a.SubmittedAt = nil, "", time.Time{}
		rec, err := s.recipients(ctx, tx, *a)
		if err != nil {
			return err
		}
		if len(rec) > 0 {
			j, err := hikeshi.NewJob(KindAdvisoryMail, AdvisoryMailPayload{AdvisoryID: a.ID, Revision: r.Number}, now, now)
			if err != nil {
				return err
			}
			j.UniqueKey = fmt.Sprintf("%s:%s:%d", KindAdvisoryMail, a.ID, r.Number)
			if _, err := tx.EnqueueJob(ctx, j); err != nil {
				return err
			}
		}
		rev = r
		return nil
	})
	if err != nil {
		return hikeshi.AdvisoryRevision{}, err
	}
	return rev, nil
}

// candidate builds the next revision of a and its CSAF document and checks it.
func (s *Advisories) candidate(ctx context.Context, r hikeshi.Reader, a hikeshi.Advisory, summary, baseURL string, now time.Time) (hikeshi.AdvisoryRevision, string, error) {
	revs, err := r.FindAdvisoryRevisions(ctx, a.ID)
	if err != nil {
		return hikeshi.AdvisoryRevision{}, "", err
	}
	if summary == "" || summary == "check" {
		summary = "Initial publication"
		if len(revs) > 0 {
			summary = "Updated"
		}
	}
	next := hikeshi.AdvisoryRevision{ID: hikeshi.NewID(), AdvisoryID: a.ID, Number: len(revs) + 1, Summary: summary,
		Content: a.AdvisoryContent, PublishedAt: now}
	if len(revs) > 0 && revs[0].Number >= next.Number {
		next.Number = revs[0].Number + 1
	}
	if baseURL == "" {
		baseURL = "http://localhost" // the demo loader and tests without a server; serve always knows its address
	}
	pub, err := s.Publisher(ctx, baseURL)
	if err != nil {
		return next, "", err
	}
	doc := hikeshi.BuildCSAF(hikeshi.CSAFInput{TrackingID: a.TrackingID, Content: a.AdvisoryContent, History: append(revs, next),
		Publisher: pub, SelfURL: CSAFSelfURL(baseURL, a, next.Number, now), Generated: now})
	if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 {
		var v hikeshi.ValidationError
		for _, p := range ps {
			v.Add("csaf", "csaf_"+strings.ReplaceAll(p.Test, ".", "_"), p.String())
		}
		return next, "", &v
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return next, "", err
	}
	return next, string(b) + "\n", nil
}

// CSAFSelfURL is where a revision's document is served: the public provider
// directory for TLP:CLEAR, the signed-in export otherwise.
func CSAFSelfURL(baseURL string, a hikeshi.Advisory, revision int, now time.Time) string {
	base := strings.TrimRight(baseURL, "/")
	if base == "" {
		base = "http://localhost"
	}
	if a.TLP == hikeshi.TLPClear {
		return fmt.Sprintf("%s/.well-known/csaf/white/%d/%s", base, csafYear(a, now), hikeshi.CSAFFilename(a.TrackingID))
	}
	return fmt.Sprintf("%s/advisories/%s/csaf.json?revision=%d", base, a.ID, revision)
}

// csafYear is the folder year of a document: its initial release's year.
func csafYear(a hikeshi.Advisory, now time.Time) int {
	if !a.InitialRelease.IsZero() {
		return a.InitialRelease.UTC().Year()
	}
	return now.UTC().Year()
}

// recipients is the advisory's mail list, else the organisation's default.
func (s *Advisories) recipients(ctx context.Context, r hikeshi.Reader, a hikeshi.Advisory) ([]string, error) {
	if len(a.Recipients) > 0 {
		return a.Recipients, nil
	}
	v, err := r.GetSetting(ctx, SettingAdvisoryRecipients)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for l := range strings.SplitSeq(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// Publisher is the CSAF publisher: the organisation's setting, else one
// derived from the base URL.
func (s *Advisories) Publisher(ctx context.Context, baseURL string) (hikeshi.CSAFPublisher, error) {
	def := hikeshi.DefaultCSAFPublisher(baseURL)
	v, err := s.st.GetSetting(ctx, SettingAdvisoryPublisher)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return def, err
	}
	var p hikeshi.CSAFPublisher
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return def, nil
	}
	if p.Name == "" {
		p.Name = def.Name
	}
	if p.Namespace == "" {
		p.Namespace = def.Namespace
	}
	if p.Category == "" {
		p.Category = def.Category
	}
	return p, nil
}

// AdvisorySettings are the organisation's advisory settings.
type AdvisorySettings struct {
	Publisher  hikeshi.CSAFPublisher
	Recipients []string
}

// Settings returns the advisory settings (CSIRT, admins).
func (s *Advisories) Settings(ctx context.Context, actor hikeshi.Actor, baseURL string) (AdvisorySettings, error) {
	if !canWriteAdvisories(actor) {
		return AdvisorySettings{}, fmt.Errorf("advisory settings: %w", hikeshi.ErrNotFound)
	}
	p, err := s.Publisher(ctx, baseURL)
	if err != nil {
		return AdvisorySettings{}, err
	}
	rec, err := s.recipients(ctx, s.st, hikeshi.Advisory{})
	return AdvisorySettings{Publisher: p, Recipients: rec}, err
}

// UpdateSettings changes the publisher and the default mail list (admins).
func (s *Advisories) UpdateSettings(ctx context.Context, actor hikeshi.Actor, in AdvisorySettings) (AdvisorySettings, error) {
	if !actor.CanAdminister() {
		return AdvisorySettings{}, fmt.Errorf("advisory settings: %w", forbid("change the advisory settings"))
	}
	var v hikeshi.ValidationError
	p := in.Publisher
	p.Name, p.Namespace, p.ContactDetails = strings.TrimSpace(p.Name), strings.TrimSpace(p.Namespace), strings.TrimSpace(p.ContactDetails)
	hikeshi.ValidateText(&v, "publisher_name", p.Name, hikeshi.MaxNameLen, true)
	hikeshi.ValidateWebURL(&v, "publisher_namespace", p.Namespace)
	hikeshi.ValidateText(&v, "publisher_contact", p.ContactDetails, 500, false)
	if !slices.Contains(hikeshi.CSAFPublisherCategories, p.Category) || p.Category == "translator" {
		v.Add("publisher_category", "unknown", "unknown publisher category")
	}
	var rec []string
	for _, a := range in.Recipients {
		if a = strings.TrimSpace(a); a != "" {
			rec = append(rec, hikeshi.NormalizeEmail(a))
		}
	}
	hikeshi.ValidateRecipients(&v, rec)
	if err := v.Err(); err != nil {
		return AdvisorySettings{}, err
	}
	out := AdvisorySettings{Publisher: p, Recipients: rec}
	b, _ := json.Marshal(p)
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		now := s.clock.Now()
		if err := tx.PutSetting(ctx, SettingAdvisoryPublisher, string(b), now); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, SettingAdvisoryRecipients, strings.Join(rec, "\n"), now); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "advisory.settings", "setting", SettingAdvisoryPublisher, nil,
			map[string]any{"publisher": p.Name, "namespace": p.Namespace, "recipients": len(rec)})
	})
	if err != nil {
		return AdvisorySettings{}, fmt.Errorf("advisory settings: %w", err)
	}
	return out, nil
}

// CSAF returns the CSAF document of a revision (0 = the latest) the actor
// may read: its JSON text exactly as published.
func (s *Advisories) CSAF(ctx context.Context, actor hikeshi.Actor, id string, revision int) (hikeshi.AdvisoryRevision, error) {
	a, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return hikeshi.AdvisoryRevision{}, fmt.Errorf("advisory csaf: %w", err)
	}
	if !a.Published() || revision < 0 || revision > a.Revision {
		return hikeshi.AdvisoryRevision{}, fmt.Errorf("advisory csaf: %w", hikeshi.ErrNotFound)
	}
	if revision == 0 {
		revision = a.Revision
	}
	r, err := s.st.FindAdvisoryRevision(ctx, id, revision)
	if err != nil {
		return hikeshi.AdvisoryRevision{}, fmt.Errorf("advisory csaf: %w", err)
	}
	if !canWriteAdvisories(actor) && !slices.Contains(hikeshi.AdvisoryTLPsFor(actor), r.Content.TLP) {
		// An older revision may carry a stricter label than the latest.
		return hikeshi.AdvisoryRevision{}, fmt.Errorf("advisory csaf: %w", hikeshi.ErrNotFound)
	}
	return r, nil
}

// PublicCSAF is one document of the CSAF provider.
type PublicCSAF struct {
	TrackingID string
	Year       int
	Filename   string
	Updated    time.Time // the latest revision's publication
	JSON       string
}

// Path is the document's path below the white/ directory, "2026/adv-2026-0001.json".
func (p PublicCSAF) Path() string { return fmt.Sprintf("%d/%s", p.Year, p.Filename) }

// PublicDocuments lists the public CSAF documents (published advisories
// whose latest revision is TLP:CLEAR), most recently changed first. No
// sign-in is needed; nothing else is ever public.
func (s *Advisories) PublicDocuments(ctx context.Context) ([]PublicCSAF, error) {
	var out []PublicCSAF
	f := hikeshi.AdvisoryFilter{PublishedOnly: true, TLPs: []hikeshi.TLP{hikeshi.TLPClear}, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}
	for {
		as, err := s.st.FindAdvisories(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("public csaf: %w", err)
		}
		for _, a := range as {
			out = append(out, PublicCSAF{TrackingID: a.TrackingID, Year: csafYear(a, a.CurrentRelease),
				Filename: hikeshi.CSAFFilename(a.TrackingID), Updated: a.CurrentRelease})
		}
		if len(as) < f.Limit {
			break
		}
		f.After = as[len(as)-1].ID
	}
	slices.SortStableFunc(out, func(a, b PublicCSAF) int { return b.Updated.Compare(a.Updated) })
	return out, nil
}

// HasPublicDocuments reports whether the CSAF provider has at least one document.
func (s *Advisories) HasPublicDocuments(ctx context.Context) (bool, error) {
	as, err := s.st.FindAdvisories(ctx, hikeshi.AdvisoryFilter{PublishedOnly: true, TLPs: []hikeshi.TLP{hikeshi.TLPClear}, Page: hikeshi.Page{Limit: 1}})
	return len(as) > 0, err
}

// PublicDocument returns the public document at year/filename (with its
// JSON), or ErrNotFound.
func (s *Advisories) PublicDocument(ctx context.Context, year int, filename string) (PublicCSAF, error) {
	notFound := fmt.Errorf("public csaf %d/%s: %w", year, filename, hikeshi.ErrNotFound)
	id, ok := strings.CutSuffix(filename, ".json")
	if !ok || len(id) > 64 {
		return PublicCSAF{}, notFound
	}
	a, err := s.st.FindAdvisoryByTrackingID(ctx, strings.ToUpper(id))
	if errors.Is(err, hikeshi.ErrNotFound) {
		return PublicCSAF{}, notFound
	}
	if err != nil {
		return PublicCSAF{}, err
	}
	if !a.Published() || a.PublishedTLP != hikeshi.TLPClear || hikeshi.CSAFFilename(a.TrackingID) != filename || csafYear(a, a.CurrentRelease) != year {
		return PublicCSAF{}, notFound
	}
	r, err := s.st.FindAdvisoryRevision(ctx, a.ID, a.Revision)
	if err != nil {
		return PublicCSAF{}, err
	}
	return PublicCSAF{TrackingID: a.TrackingID, Year: year, Filename: filename, Updated: a.CurrentRelease, JSON: r.CSAF}, nil
}

// AdvisoryMail is what the mail job sends: the revision and the list.
type AdvisoryMail struct {
	Advisory   hikeshi.Advisory
	Revision   hikeshi.AdvisoryRevision
	Recipients []string
}

// MailFor loads what the mail job of a revision sends (the system actor).
func (s *Advisories) MailFor(ctx context.Context, actor hikeshi.Actor, p AdvisoryMailPayload) (AdvisoryMail, error) {
	if !actor.IsSystem() {
		return AdvisoryMail{}, forbid("read an advisory's mail")
	}
	a, err := s.st.FindAdvisoryByID(ctx, p.AdvisoryID)
	if err != nil {
		return AdvisoryMail{}, err
	}
	r, err := s.st.FindAdvisoryRevision(ctx, a.ID, p.Revision)
	if err != nil {
		return AdvisoryMail{}, err
	}
	rec, err := s.recipients(ctx, s.st, a)
	return AdvisoryMail{Advisory: a, Revision: r, Recipients: rec}, err
}
