package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Vulnerabilities is IM-1: vulnerability records, remediation, exceptions
// and coordinated disclosure.
//
// Who sees what (decision 0041), enforced here: the roles that read every
// record (admin, CSIRT, manager, auditor) read vulnerabilities; the CSIRT and
// admins record and handle them; managers and admins approve exceptions
// (never their own request); department members see only their
// department's remediation tasks with the vulnerability they are about, and
// complete them. Linked incidents follow the incident's visibility, linked
// advisories the advisory's: a link the reader may not see is left out.
type Vulnerabilities struct {
	base
	advisories *Advisories // drafts an advisory from a vulnerability
}

// CanReadVulnerabilities says whether a may open the vulnerability pages:
// every signed-in person (members see their department's remediation tasks).
func CanReadVulnerabilities(a hikeshi.Actor) bool { return a.UserID != "" && a.Role.Valid() }

// seesVulnerabilities reports whether a reads every vulnerability.
func seesVulnerabilities(a hikeshi.Actor) bool { return a.CanReadAll() || a.IsSystem() }

func canWriteVulns(a hikeshi.Actor) bool { return a.CanWriteVulnerabilities() || a.IsSystem() }

// VulnerabilityInput is what the CSIRT types.
type VulnerabilityInput struct {
	CVE           string
	TitleJA       string
	TitleEN       string
	DescriptionJA string
	DescriptionEN string
	Vendor        string
	Versions      string
	Fix           string
	CVSS31        string
	CVSS40        string
	// Severity is used only when no vector is given.
	Severity   hikeshi.VulnSeverity
	AssetIDs   []string
	References []hikeshi.AdvisoryReference
	// ReportID opens the vulnerability from an outside report (create only):
	// its coordinated disclosure starts as "received".
	ReportID string
}

// RemediationItem is a remediation task with its vulnerability and names.
type RemediationItem struct {
	hikeshi.VulnerabilityRemediation
	Vulnerability  hikeshi.Vulnerability
	DepartmentName string
	AssetName      string
	CanComplete    bool
}

// ExceptionItem is an exception with what the reader may do with it.
type ExceptionItem struct {
	hikeshi.VulnerabilityException
	CanDecide bool
}

// VulnerabilityView is a vulnerability as one reader may see it.
type VulnerabilityView struct {
	hikeshi.Vulnerability
	Assets       []hikeshi.InformationAsset
	Incidents    []hikeshi.Incident // only those the reader may see
	Advisories   []hikeshi.Advisory // only those the reader may see, as they may see them
	Remediations []RemediationItem
	Exceptions   []ExceptionItem
	Report       *hikeshi.Report // the outside report, when the reader may read it
	Names        map[string]string
	// What the reader may do now.
	CanEdit, CanException, CanDisclose bool
	Moves                              []hikeshi.VulnStatus
}

type vulnAudit struct {
	CVE         string `json:"cve,omitempty"`
	Status      string `json:"status"`
	Severity    string `json:"severity"`
	CVSS31      string `json:"cvss31,omitempty"`
	CVSS40      string `json:"cvss40,omitempty"`
	Assets      int    `json:"assets"`
	Incidents   int    `json:"incidents"`
	Advisories  int    `json:"advisories"`
	ReportID    string `json:"report_id,omitempty"`
	Disclosure  string `json:"disclosure,omitempty"`
	Publication string `json:"publication_date,omitempty"`
}

// auditOfVuln keeps ids and classifications only: never the words (a
// vulnerability may concern a restricted incident).
func auditOfVuln(v hikeshi.Vulnerability) vulnAudit {
	a := vulnAudit{CVE: v.CVE, Status: string(v.Status), Severity: string(v.Severity), CVSS31: v.CVSS31, CVSS40: v.CVSS40,
		Assets: len(v.AssetIDs), Incidents: len(v.IncidentIDs), Advisories: len(v.AdvisoryIDs), ReportID: v.ReportID,
		Disclosure: string(v.Disclosure)}
	if !v.PublicationDate.IsZero() {
		a.Publication = v.PublicationDate.UTC().Format(time.DateOnly)
	}
	return a
}

func vulnConflict(code, message string) error {
	return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "vulnerability", Code: code, Message: message}}, Conflict: true}
}

var (
	errVulnMove         = vulnConflict("bad_move", "the vulnerability cannot move to that status from where it stands")
	errVulnClosed       = vulnConflict("closed", "the vulnerability is closed; reopen it first")
	errVulnNoDisclosure = vulnConflict("no_disclosure", "only a vulnerability opened from an outside report has a coordinated disclosure")
	errVulnAcknowledged = vulnConflict("acknowledged", "the report is already acknowledged")
	errVulnExceptionOn  = vulnConflict("exception_pending", "an exception is already requested or in force")
	errVulnTaskDone     = vulnConflict("task_done", "the remediation task is not open")
	errVulnSelfApprove  = vulnConflict("self_approval", "an exception is approved by someone other than the person who requested it")
	errVulnNotRequested = vulnConflict("not_requested", "only a requested exception can be decided")
	errVulnNoAssets     = vulnConflict("no_assets", "link the affected assets (the products) before drafting an advisory")
	errVulnNoTargets    = vulnConflict("no_departments", "no department to send the task to: link assets with an owner department or choose one")
)

func vulnSignedIn(a hikeshi.Actor) error {
	if a.UserID == "" && !a.IsSystem() {
		return hikeshi.ErrUnauthenticated
	}
	return nil
}

// List returns vulnerabilities newest first (the roles that read every record).
func (s *Vulnerabilities) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.VulnerabilityFilter) ([]hikeshi.Vulnerability, error) {
	if err := vulnSignedIn(actor); err != nil {
		return nil, fmt.Errorf("list vulnerabilities: %w", err)
	}
	if !seesVulnerabilities(actor) {
		return nil, fmt.Errorf("list vulnerabilities: %w", forbid("read vulnerabilities"))
	}
	var v hikeshi.ValidationError
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "unknown", "unknown status")
	}
	if f.Severity != "" && !f.Severity.Valid() {
		v.Add("severity", "unknown", "unknown severity")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out, err := s.st.FindVulnerabilities(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list vulnerabilities: %w", err)
	}
	return out, nil
}

// UpcomingPublications lists open disclosures with an agreed publication
// day from today on, soonest first.
func (s *Vulnerabilities) UpcomingPublications(ctx context.Context, actor hikeshi.Actor, limit int) ([]hikeshi.Vulnerability, error) {
	if !seesVulnerabilities(actor) {
		return nil, nil
	}
	now := s.clock.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	out, err := s.st.FindUpcomingVulnerabilityPublications(ctx, day, limit)
	if err != nil {
		return nil, fmt.Errorf("upcoming publications: %w", err)
	}
	return out, nil
}

func (s *Vulnerabilities) get(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Vulnerability, error) {
	if err := vulnSignedIn(actor); err != nil {
		return hikeshi.Vulnerability{}, err
	}
	if !seesVulnerabilities(actor) || len(id) > 64 {
		return hikeshi.Vulnerability{}, hikeshi.ErrNotFound
	}
	return r.FindVulnerabilityByID(ctx, id)
}

// change loads a vulnerability for a change by the CSIRT or an admin.
func (s *Vulnerabilities) change(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Vulnerability, error) {
	v, err := s.get(ctx, tx, actor, id)
	if err != nil {
		return v, err
	}
	if !canWriteVulns(actor) {
		return v, forbid(what)
	}
	return v, nil
}

// Get returns a vulnerability with what the reader may see of its links.
func (s *Vulnerabilities) Get(ctx context.Context, actor hikeshi.Actor, id string) (VulnerabilityView, error) {
	v, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return VulnerabilityView{}, fmt.Errorf("get vulnerability: %w", err)
	}
	view := VulnerabilityView{Vulnerability: v, Names: map[string]string{}}
	if err := s.fillView(ctx, actor, &view); err != nil {
		return VulnerabilityView{}, fmt.Errorf("get vulnerability: %w", err)
	}
	return view, nil
}

func (s *Vulnerabilities) fillView(ctx context.Context, actor hikeshi.Actor, view *VulnerabilityView) error {
	v := view.Vulnerability
	for _, aid := range v.AssetIDs {
		a, err := s.st.FindInformationAssetByID(ctx, aid)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		view.Assets = append(view.Assets, a)
		view.Names[a.ID] = a.Name
	}
	for _, iid := range v.IncidentIDs {
		inc, err := s.st.FindIncidentByID(ctx, iid)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if ok, err := canSeeIncident(ctx, s.st, actor, inc); err != nil {
			return err
		} else if ok {
			view.Incidents = append(view.Incidents, inc)
		}
	}
	view.IncidentIDs = nil
	for _, inc := range view.Incidents {
		view.IncidentIDs = append(view.IncidentIDs, inc.ID)
	}
	for _, aid := range v.AdvisoryIDs {
		a, err := s.st.FindAdvisoryByID(ctx, aid)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if !advisoryVisible(actor, a) {
			continue
		}
		if !canWriteAdvisories(actor) {
			if err := s.advisories.showLatest(ctx, s.st, &a); err != nil {
				return err
			}
		}
		view.Advisories = append(view.Advisories, a)
	}
	view.AdvisoryIDs = nil
	for _, a := range view.Advisories {
		view.AdvisoryIDs = append(view.AdvisoryIDs, a.ID)
	}
	if v.ReportID != "" {
		if r, err := s.st.FindReportByID(ctx, v.ReportID); err == nil && canRead(actor, r) {
			view.Report = &r
		} else if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
	}
	rems, err := s.st.FindVulnerabilityRemediations(ctx, v.ID)
	if err != nil {
		return err
	}
	for _, r := range rems {
		it, err := s.remediationItem(ctx, actor, r, &v)
		if err != nil {
			return err
		}
		view.Remediations = append(view.Remediations, it)
	}
	excs, err := s.st.FindVulnerabilityExceptions(ctx, v.ID)
	if err != nil {
		return err
	}
	for _, e := range excs {
		view.Exceptions = append(view.Exceptions, ExceptionItem{VulnerabilityException: e,
			CanDecide: e.Status == hikeshi.ExceptionRequested && actor.CanApproveExceptions() && e.RequestedBy != actor.UserID})
	}
	for _, uid := range []string{v.AcknowledgedBy, v.CreatedBy} {
		s.nameOf(ctx, view.Names, uid)
	}
	for _, e := range excs {
		s.nameOf(ctx, view.Names, e.RequestedBy)
		s.nameOf(ctx, view.Names, e.DecidedBy)
	}
	for _, r := range rems {
		s.nameOf(ctx, view.Names, r.CompletedBy)
	}
	if canWriteVulns(actor) && !actor.ReadOnly() {
		view.CanEdit = v.Status != hikeshi.VulnClosed
		view.CanException = (v.Status == hikeshi.VulnOpen || v.Status == hikeshi.VulnInRemediation) && !exceptionPending(excs)
		view.CanDisclose = v.Disclosure != hikeshi.DisclosureNone
		view.Moves = v.Status.NextStatuses()
	}
	return nil
}

// nameOf records a person's name for the view (their e-mail when nameless).
func (s *Vulnerabilities) nameOf(ctx context.Context, names map[string]string, uid string) {
	if uid == "" || names[uid] != "" {
		return
	}
	if u, err := s.st.FindUserByID(ctx, uid); err == nil {
		names[uid] = cmpOr(u.Name, u.Email)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func exceptionPending(es []hikeshi.VulnerabilityException) bool {
	return slices.ContainsFunc(es, func(e hikeshi.VulnerabilityException) bool {
		return e.Status == hikeshi.ExceptionRequested || e.Status == hikeshi.ExceptionApproved
	})
}

func (s *Vulnerabilities) remediationItem(ctx context.Context, actor hikeshi.Actor, r hikeshi.VulnerabilityRemediation, v *hikeshi.Vulnerability) (RemediationItem, error) {
	it := RemediationItem{VulnerabilityRemediation: r}
	if v != nil {
		it.Vulnerability = *v
	} else {
		vv, err := s.st.FindVulnerabilityByID(ctx, r.VulnerabilityID)
		if err != nil {
			return it, err
		}
		it.Vulnerability = vv
	}
	if d, err := s.st.FindDepartmentByID(ctx, r.DepartmentID); err == nil {
		it.DepartmentName = d.Name
	} else if !errors.Is(err, hikeshi.ErrNotFound) {
		return it, err
	}
	if r.AssetID != "" {
		if a, err := s.st.FindInformationAssetByID(ctx, r.AssetID); err == nil {
			it.AssetName = a.Name
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return it, err
		}
	}
	it.CanComplete = r.Status == hikeshi.RemediationOpen && canCompleteRemediation(actor, r)
	return it, nil
}

// canCompleteRemediation: the department's own people (auditors aside), the CSIRT and admins.
func canCompleteRemediation(a hikeshi.Actor, r hikeshi.VulnerabilityRemediation) bool {
	if a.ReadOnly() || a.UserID == "" && !a.IsSystem() {
		return false
	}
	return canWriteVulns(a) || a.DepartmentID != "" && a.DepartmentID == r.DepartmentID
}

// MyRemediations lists the remediation tasks of the actor's department,
// newest first, each with the vulnerability it is about.
func (s *Vulnerabilities) MyRemediations(ctx context.Context, actor hikeshi.Actor, openOnly bool, p hikeshi.Page) ([]RemediationItem, error) {
	if err := vulnSignedIn(actor); err != nil {
		return nil, fmt.Errorf("my remediations: %w", err)
	}
	if actor.DepartmentID == "" {
		return nil, nil
	}
	rs, err := s.st.FindDepartmentRemediations(ctx, hikeshi.RemediationFilter{DepartmentID: actor.DepartmentID, OpenOnly: openOnly, Page: p})
	if err != nil {
		return nil, fmt.Errorf("my remediations: %w", err)
	}
	out := make([]RemediationItem, 0, len(rs))
	for _, r := range rs {
		it, err := s.remediationItem(ctx, actor, r, nil)
		if err != nil {
			return nil, fmt.Errorf("my remediations: %w", err)
		}
		out = append(out, it)
	}
	return out, nil
}

// Remediation returns one task with its vulnerability: to the readers of
// every vulnerability and to the task's department.
func (s *Vulnerabilities) Remediation(ctx context.Context, actor hikeshi.Actor, id string) (RemediationItem, error) {
	if err := vulnSignedIn(actor); err != nil {
		return RemediationItem{}, fmt.Errorf("remediation: %w", err)
	}
	if len(id) > 64 {
		return RemediationItem{}, fmt.Errorf("remediation: %w", hikeshi.ErrNotFound)
	}
	r, err := s.st.FindVulnerabilityRemediationByID(ctx, id)
	if err != nil {
		return RemediationItem{}, fmt.Errorf("remediation: %w", err)
	}
	if !seesVulnerabilities(actor) && (actor.DepartmentID == "" || actor.DepartmentID != r.DepartmentID) {
		return RemediationItem{}, fmt.Errorf("remediation: %w", hikeshi.ErrNotFound)
	}
	it, err := s.remediationItem(ctx, actor, r, nil)
	if err != nil {
		return RemediationItem{}, fmt.Errorf("remediation: %w", err)
	}
	return it, nil
}

// checkInput normalises and validates what the CSIRT typed, scoring the
// vectors; the returned vulnerability carries the words and scores.
func (s *Vulnerabilities) checkInput(ctx context.Context, r hikeshi.Reader, in VulnerabilityInput, into hikeshi.Vulnerability) (hikeshi.Vulnerability, error) {
	v := into
	v.CVE, v.TitleJA, v.TitleEN, v.DescriptionJA, v.DescriptionEN = in.CVE, in.TitleJA, in.TitleEN, in.DescriptionJA, in.DescriptionEN
	v.Vendor, v.Versions, v.Fix, v.CVSS31, v.CVSS40 = in.Vendor, in.Versions, in.Fix, in.CVSS31, in.CVSS40
	v.References, v.Severity = in.References, in.Severity
	if v.Severity == "" {
		v.Severity = hikeshi.VulnMedium
	}
	var assets []string
	for _, a := range in.AssetIDs {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(assets, a) {
			assets = append(assets, a)
		}
	}
	v.AssetIDs = assets
	v = hikeshi.NormalizeVulnerability(v)
	var ve hikeshi.ValidationError
	hikeshi.ValidateVulnerability(&ve, v)
	v.CVSS31Base, v.CVSS31Score, v.CVSS40Score = 0, 0, 0
	if v.CVSS31 != "" {
		b, o, err := ScoreCVSS31(v.CVSS31)
		if err != nil {
			ve.Add("cvss31", "invalid_cvss", err.Error())
		}
		v.CVSS31Base, v.CVSS31Score = b, o
	}
	if v.CVSS40 != "" {
		sc, err := ScoreCVSS40(v.CVSS40)
		if err != nil {
			ve.Add("cvss40", "invalid_cvss", err.Error())
		}
		v.CVSS40Score = sc
	}
	switch {
	case v.CVSS40 != "":
		v.Severity = hikeshi.VulnSeverityOfScore(v.CVSS40Score)
	case v.CVSS31 != "":
		v.Severity = hikeshi.VulnSeverityOfScore(v.CVSS31Score)
	}
	for i, id := range v.AssetIDs {
		if i >= hikeshi.MaxVulnAssets {
			break
		}
		if len(id) > 64 {
			ve.Add(fmt.Sprintf("asset_ids[%d]", i), "unknown", "no such asset")
			continue
		}
		if _, err := r.FindInformationAssetByID(ctx, id); errors.Is(err, hikeshi.ErrNotFound) {
			ve.Add(fmt.Sprintf("asset_ids[%d]", i), "unknown", "no such asset")
		} else if err != nil {
			return v, err
		}
	}
	return v, ve.Err()
}

// Create records a vulnerability (CSIRT, admins). With a ReportID it is
// opened from that outside report, its disclosure "received".
func (s *Vulnerabilities) Create(ctx context.Context, actor hikeshi.Actor, in VulnerabilityInput) (hikeshi.Vulnerability, error) {
	if err := vulnSignedIn(actor); err != nil {
		return hikeshi.Vulnerability{}, fmt.Errorf("create vulnerability: %w", err)
	}
	if !canWriteVulns(actor) {
		return hikeshi.Vulnerability{}, fmt.Errorf("create vulnerability: %w", forbid("record vulnerabilities"))
	}
	var out hikeshi.Vulnerability
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		now := s.clock.Now()
		v, err := s.checkInput(ctx, tx, in, hikeshi.Vulnerability{ID: hikeshi.NewID(), Status: hikeshi.VulnOpen,
			CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now})
		var ve *hikeshi.ValidationError
		if err != nil && !errors.As(err, &ve) {
			return err
		}
		if rid := strings.TrimSpace(in.ReportID); rid != "" {
			rep, rerr := tx.FindReportByID(ctx, rid)
			switch {
			case len(rid) > 64 || errors.Is(rerr, hikeshi.ErrNotFound) || rerr == nil && !canRead(actor, rep):
				if ve == nil {
					ve = &hikeshi.ValidationError{}
				}
				ve.Add("report_id", "unknown", "no such report")
			case rerr != nil:
				return rerr
			default:
				v.ReportID, v.Disclosure = rep.ID, hikeshi.DisclosureReceived
			}
		}
		if ve != nil {
			return ve
		}
		if err := tx.CreateVulnerability(ctx, v); err != nil {
			return err
		}
		out = v
		return s.audit(ctx, tx, actor, "vulnerability.create", "vulnerability", v.ID, nil, auditOfVuln(v))
	})
	if err != nil {
		return hikeshi.Vulnerability{}, fmt.Errorf("create vulnerability: %w", err)
	}
	return out, nil
}

// step changes a vulnerability in one transaction with its audit entry.
func (s *Vulnerabilities) step(ctx context.Context, actor hikeshi.Actor, id, action string, fn func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error) (hikeshi.Vulnerability, error) {
	var out hikeshi.Vulnerability
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		v, err := s.change(ctx, tx, actor, id, action+" a vulnerability")
		if err != nil {
			return err
		}
		if err := requireWriter(actor, action+" a vulnerability"); err != nil {
			return err
		}
		before := v
		if err := fn(tx, &v); err != nil {
			return err
		}
		v.UpdatedAt = s.clock.Now()
		if err := tx.UpdateVulnerability(ctx, v); err != nil {
			return err
		}
		out = v
		return s.audit(ctx, tx, actor, "vulnerability."+action, "vulnerability", v.ID, auditOfVuln(before), auditOfVuln(v))
	})
	if err != nil {
		return hikeshi.Vulnerability{}, fmt.Errorf("%s vulnerability: %w", action, err)
	}
	return out, nil
}

// Update changes the words, vectors and assets of a vulnerability.
func (s *Vulnerabilities) Update(ctx context.Context, actor hikeshi.Actor, id string, in VulnerabilityInput) (hikeshi.Vulnerability, error) {
	return s.step(ctx, actor, id, "update", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		if v.Status == hikeshi.VulnClosed {
			return errVulnClosed
		}
		nv, err := s.checkInput(ctx, tx, in, *v)
		if err != nil {
			return err
		}
		*v = nv
		return nil
	})
}

// SetStatus moves a vulnerability (see hikeshi.VulnStatus.CanMoveTo);
// "accepted" is reached only by approving an exception.
func (s *Vulnerabilities) SetStatus(ctx context.Context, actor hikeshi.Actor, id string, next hikeshi.VulnStatus) (hikeshi.Vulnerability, error) {
	if !next.Valid() {
		return hikeshi.Vulnerability{}, hikeshi.Invalid("status", "unknown", "unknown status")
	}
	return s.step(ctx, actor, id, "status", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		if !v.Status.CanMoveTo(next) {
			return errVulnMove
		}
		v.Status = next
		return nil
	})
}

// LinkIncident links an incident that exploited the vulnerability; the
// actor must be able to see it.
func (s *Vulnerabilities) LinkIncident(ctx context.Context, actor hikeshi.Actor, id, incidentID string) (hikeshi.Vulnerability, error) {
	incidentID = strings.TrimSpace(incidentID)
	return s.step(ctx, actor, id, "link_incident", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		inc, err := s.findIncident(ctx, tx, actor, incidentID)
		if err != nil {
			return err
		}
		if slices.Contains(v.IncidentIDs, inc.ID) {
			return nil
		}
		if len(v.IncidentIDs) >= hikeshi.MaxVulnLinks {
			return hikeshi.Invalid("incident_id", "too_many", fmt.Sprintf("at most %d incidents", hikeshi.MaxVulnLinks))
		}
		v.IncidentIDs = append(v.IncidentIDs, inc.ID)
		return nil
	})
}

// findIncident finds an incident the actor may see by its id.
func (s *Vulnerabilities) findIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, ref string) (hikeshi.Incident, error) {
	unknown := hikeshi.Invalid("incident_id", "unknown", "no such incident")
	if ref == "" || len(ref) > 64 {
		return hikeshi.Incident{}, unknown
	}
	inc, err := r.FindIncidentByID(ctx, ref)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return inc, unknown
	} else if err != nil {
		return inc, err
	}
	if ok, err := canSeeIncident(ctx, r, actor, inc); err != nil {
		return inc, err
	} else if !ok {
		return inc, unknown
	}
	return inc, nil
}

// LinkAdvisory links an advisory that announces the vulnerability (by id or
// tracking id); the actor must be able to see it.
func (s *Vulnerabilities) LinkAdvisory(ctx context.Context, actor hikeshi.Actor, id, advisoryID string) (hikeshi.Vulnerability, error) {
	advisoryID = strings.TrimSpace(advisoryID)
	return s.step(ctx, actor, id, "link_advisory", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		unknown := hikeshi.Invalid("advisory_id", "unknown", "no such advisory")
		if advisoryID == "" || len(advisoryID) > 64 {
			return unknown
		}
		a, err := tx.FindAdvisoryByID(ctx, advisoryID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			a, err = tx.FindAdvisoryByTrackingID(ctx, strings.ToUpper(advisoryID))
		}
		if errors.Is(err, hikeshi.ErrNotFound) {
			return unknown
		} else if err != nil {
			return err
		}
		if !advisoryVisible(actor, a) {
			return unknown
		}
		if slices.Contains(v.AdvisoryIDs, a.ID) {
			return nil
		}
		if len(v.AdvisoryIDs) >= hikeshi.MaxVulnLinks {
			return hikeshi.Invalid("advisory_id", "too_many", fmt.Sprintf("at most %d advisories", hikeshi.MaxVulnLinks))
		}
		v.AdvisoryIDs = append(v.AdvisoryIDs, a.ID)
		return nil
	})
}

// Unlink removes a linked incident or advisory (kind "incident" or
// "advisory"). Links the actor may not see stay.
func (s *Vulnerabilities) Unlink(ctx context.Context, actor hikeshi.Actor, id, kind, targetID string) (hikeshi.Vulnerability, error) {
	return s.step(ctx, actor, id, "unlink_"+kind, func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		switch kind {
		case "incident":
			if inc, err := tx.FindIncidentByID(ctx, targetID); err == nil {
				if ok, err := canSeeIncident(ctx, tx, actor, inc); err != nil {
					return err
				} else if !ok {
					return hikeshi.ErrNotFound
				}
			} else if !errors.Is(err, hikeshi.ErrNotFound) {
				return err
			}
			v.IncidentIDs = slices.DeleteFunc(v.IncidentIDs, func(x string) bool { return x == targetID })
		case "advisory":
			v.AdvisoryIDs = slices.DeleteFunc(v.AdvisoryIDs, func(x string) bool { return x == targetID })
		default:
			return hikeshi.ErrNotFound
		}
		return nil
	})
}

// AdvisoryDraftInput is what the CSIRT chooses when drafting an advisory.
type AdvisoryDraftInput struct {
	Lang    hikeshi.Locale // the advisory's primary language
	TLP     hikeshi.TLP    // empty: AMBER
	BaseURL string         // for the default CSAF publisher's name
}

// AdvisoryDraftFor builds the advisory a vulnerability announces: its title
// and description in both languages, the CVE, the CVSS v3.1 vector, its
// assets as the affected products, the fix and the references.
func (s *Vulnerabilities) AdvisoryDraftFor(ctx context.Context, v hikeshi.Vulnerability, in AdvisoryDraftInput) (AdvisoryInput, error) {
	var ve hikeshi.ValidationError
	if v.Versions == "" {
		ve.Add("versions", "needed_for_advisory", "say which versions are affected before drafting an advisory")
	}
	if err := ve.Err(); err != nil {
		return AdvisoryInput{}, err
	}
	if len(v.AssetIDs) == 0 {
		return AdvisoryInput{}, errVulnNoAssets
	}
	vendor := v.Vendor
	if vendor == "" {
		pub, err := s.advisories.Publisher(ctx, in.BaseURL)
		if err != nil {
			return AdvisoryInput{}, err
		}
		vendor = pub.Name
	}
	c := hikeshi.AdvisoryContent{Lang: in.Lang, TitleJA: v.TitleJA, TitleEN: v.TitleEN, BodyJA: v.DescriptionJA, BodyEN: v.DescriptionEN,
		Category: hikeshi.AdvisorySecurity, TLP: in.TLP, CVSS: v.CVSS31}
	if c.TLP == "" {
		c.TLP = hikeshi.TLPAmber
	}
	if c.Lang != hikeshi.LocaleJA && c.Lang != hikeshi.LocaleEN || c.Lang == hikeshi.LocaleJA && v.TitleJA == "" || c.Lang == hikeshi.LocaleEN && v.TitleEN == "" {
		c.Lang = hikeshi.LocaleJA
		if v.TitleJA == "" {
			c.Lang = hikeshi.LocaleEN
		}
	}
	if v.CVE != "" {
		c.CVEs = []string{v.CVE}
	}
	seen := map[string]bool{}
	for _, aid := range v.AssetIDs {
		a, err := s.st.FindInformationAssetByID(ctx, aid)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		} else if err != nil {
			return AdvisoryInput{}, err
		}
		if seen[strings.ToLower(a.Name)] {
			continue
		}
		seen[strings.ToLower(a.Name)] = true
		p := hikeshi.AdvisoryProduct{Vendor: vendor, Product: a.Name, Versions: v.Versions, Status: hikeshi.ProductKnownAffected}
		if v.Fix != "" {
			p.Remediation, p.RemediationDetails = hikeshi.RemediationVendorFix, v.Fix
		}
		c.Products = append(c.Products, p)
	}
	if len(c.Products) == 0 {
		return AdvisoryInput{}, errVulnNoAssets
	}
	c.References = append(c.References, v.References...)
	if v.CVE != "" && len(c.References) < hikeshi.MaxAdvisoryReferences {
		c.References = append(c.References, hikeshi.AdvisoryReference{URL: "https://www.cve.org/CVERecord?id=" + v.CVE, Summary: v.CVE})
	}
	return AdvisoryInput{AdvisoryContent: c}, nil
}

// DraftAdvisory creates an advisory draft (through the advisories service,
// so its rules and audit apply) prefilled from the vulnerability, and links
// it back. The draft and the link are two transactions: should the link
// fail, the draft stays and can be linked by its tracking id.
func (s *Vulnerabilities) DraftAdvisory(ctx context.Context, actor hikeshi.Actor, id string, in AdvisoryDraftInput) (hikeshi.Advisory, error) {
	if in.TLP != "" && !in.TLP.Valid() {
		return hikeshi.Advisory{}, hikeshi.Invalid("tlp", "unknown", "unknown TLP label")
	}
	v, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("draft advisory: %w", err)
	}
	if !canWriteVulns(actor) || !canWriteAdvisories(actor) {
		return hikeshi.Advisory{}, fmt.Errorf("draft advisory: %w", forbid("draft an advisory"))
	}
	draft, err := s.AdvisoryDraftFor(ctx, v, in)
	if err != nil {
		return hikeshi.Advisory{}, fmt.Errorf("draft advisory: %w", err)
	}
	a, err := s.advisories.Create(ctx, actor, draft)
	if err != nil {
		return hikeshi.Advisory{}, err
	}
	if _, err := s.step(ctx, actor, id, "draft_advisory", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		if !slices.Contains(v.AdvisoryIDs, a.ID) {
			v.AdvisoryIDs = append(v.AdvisoryIDs, a.ID)
		}
		return nil
	}); err != nil {
		return a, err
	}
	return a, nil
}

// RemediationInput chooses where remediation tasks go: a department, or
// the owner department of one asset; neither: the owner departments of
// every linked asset.
type RemediationInput struct {
	DepartmentID string
	AssetID      string
}

// AddRemediation sends remediation tasks to departments, due by severity
// (hikeshi.RemediationDays). A department with an open task on the
// vulnerability (for the same asset) gets no second one. An open
// vulnerability moves to in_remediation.
func (s *Vulnerabilities) AddRemediation(ctx context.Context, actor hikeshi.Actor, id string, in RemediationInput) ([]hikeshi.VulnerabilityRemediation, error) {
	var created []hikeshi.VulnerabilityRemediation
	in.DepartmentID, in.AssetID = strings.TrimSpace(in.DepartmentID), strings.TrimSpace(in.AssetID)
	_, err := s.step(ctx, actor, id, "remediation", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		created = nil
		if v.Status == hikeshi.VulnClosed {
			return errVulnClosed
		}
		type target struct{ dept, asset string }
		var targets []target
		switch {
		case in.DepartmentID != "":
			if len(in.DepartmentID) > 64 {
				return hikeshi.Invalid("department_id", "unknown", "no such department")
			}
			if _, err := tx.FindDepartmentByID(ctx, in.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
				return hikeshi.Invalid("department_id", "unknown", "no such department")
			} else if err != nil {
				return err
			}
			if in.AssetID != "" && !slices.Contains(v.AssetIDs, in.AssetID) {
				return hikeshi.Invalid("asset_id", "unknown", "not an asset of this vulnerability")
			}
			targets = append(targets, target{in.DepartmentID, in.AssetID})
		default:
			assets := v.AssetIDs
			if in.AssetID != "" {
				if !slices.Contains(v.AssetIDs, in.AssetID) {
					return hikeshi.Invalid("asset_id", "unknown", "not an asset of this vulnerability")
				}
				assets = []string{in.AssetID}
			}
			for _, aid := range assets {
				a, err := tx.FindInformationAssetByID(ctx, aid)
				if errors.Is(err, hikeshi.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if a.OwnerDepartmentID != "" {
					targets = append(targets, target{a.OwnerDepartmentID, a.ID})
				}
			}
		}
		if len(targets) == 0 {
			return errVulnNoTargets
		}
		existing, err := tx.FindVulnerabilityRemediations(ctx, v.ID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, t := range targets {
			if slices.ContainsFunc(existing, func(r hikeshi.VulnerabilityRemediation) bool {
				return r.DepartmentID == t.dept && r.AssetID == t.asset && r.Status != hikeshi.RemediationDone
			}) {
				continue
			}
			r := hikeshi.VulnerabilityRemediation{ID: hikeshi.NewID(), VulnerabilityID: v.ID, DepartmentID: t.dept, AssetID: t.asset,
				Status: hikeshi.RemediationOpen, DueAt: hikeshi.RemediationDue(v.Severity, now), CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
			if v.Status == hikeshi.VulnAccepted {
				r.Status = hikeshi.RemediationPaused
			}
			if err := tx.CreateVulnerabilityRemediation(ctx, r); err != nil {
				return err
			}
			existing = append(existing, r)
			created = append(created, r)
			if err := s.audit(ctx, tx, actor, "vulnerability.remediation.create", "vulnerability_remediation", r.ID, nil,
				map[string]any{"vulnerability_id": v.ID, "department_id": r.DepartmentID, "asset_id": r.AssetID, "due_at": r.DueAt}); err != nil {
				return err
			}
		}
		if v.Status == hikeshi.VulnOpen && len(created) > 0 {
			v.Status = hikeshi.VulnInRemediation
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// CompleteRemediation marks a task done with a note of what was done: the
// department's own people, the CSIRT or an admin. When the last open task
// of a vulnerability in remediation is done, the vulnerability is remediated.
func (s *Vulnerabilities) CompleteRemediation(ctx context.Context, actor hikeshi.Actor, remediationID, note string) (hikeshi.VulnerabilityRemediation, error) {
	note = strings.TrimSpace(note)
	var ve hikeshi.ValidationError
	hikeshi.ValidateText(&ve, "note", note, hikeshi.MaxVulnNoteLen, true)
	var out hikeshi.VulnerabilityRemediation
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := vulnSignedIn(actor); err != nil {
			return err
		}
		if len(remediationID) > 64 {
			return hikeshi.ErrNotFound
		}
		r, err := tx.FindVulnerabilityRemediationByID(ctx, remediationID)
		if err != nil {
			return err
		}
		if !seesVulnerabilities(actor) && (actor.DepartmentID == "" || actor.DepartmentID != r.DepartmentID) {
			return hikeshi.ErrNotFound
		}
		if !canCompleteRemediation(actor, r) {
			return forbid("complete a remediation task")
		}
		if r.Status != hikeshi.RemediationOpen {
			return errVulnTaskDone
		}
		if err := ve.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		r.Status, r.Note, r.CompletedBy, r.CompletedAt, r.UpdatedAt = hikeshi.RemediationDone, note, actor.UserID, now, now
		if err := tx.UpdateVulnerabilityRemediation(ctx, r); err != nil {
			return err
		}
		out = r
		if err := s.audit(ctx, tx, actor, "vulnerability.remediation.complete", "vulnerability_remediation", r.ID,
			map[string]any{"status": "open"}, map[string]any{"status": "done", "vulnerability_id": r.VulnerabilityID}); err != nil {
			return err
		}
		all, err := tx.FindVulnerabilityRemediations(ctx, r.VulnerabilityID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(all, func(x hikeshi.VulnerabilityRemediation) bool { return x.Status != hikeshi.RemediationDone }) {
			return nil
		}
		v, err := tx.FindVulnerabilityByID(ctx, r.VulnerabilityID)
		if err != nil || v.Status != hikeshi.VulnInRemediation {
			return err
		}
		before := v
		v.Status, v.UpdatedAt = hikeshi.VulnRemediated, now
		if err := tx.UpdateVulnerability(ctx, v); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "vulnerability.status", "vulnerability", v.ID, auditOfVuln(before), auditOfVuln(v))
	})
	if err != nil {
		return hikeshi.VulnerabilityRemediation{}, fmt.Errorf("complete remediation: %w", err)
	}
	return out, nil
}

// ParseDay reads a day "2026-12-31" as midnight UTC.
func ParseDay(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != 10 {
		return time.Time{}, hikeshi.Invalid(field, "invalid_date", "not a date like 2026-12-31")
	}
	return t, nil
}

// ExceptionInput is a request to accept a vulnerability's risk.
type ExceptionInput struct {
	Reason    string
	ExpiresAt time.Time // a day in the future (at most MaxExceptionDays away)
}

// RequestException asks a manager or admin to accept the risk until the
// expiry (CSIRT, admins). Only one exception is requested or in force at a time.
func (s *Vulnerabilities) RequestException(ctx context.Context, actor hikeshi.Actor, id string, in ExceptionInput) (hikeshi.VulnerabilityException, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	now := s.clock.Now()
	var ve hikeshi.ValidationError
	hikeshi.ValidateText(&ve, "reason", in.Reason, hikeshi.MaxVulnReasonLen, true)
	switch {
	case in.ExpiresAt.IsZero():
		ve.Add("expires_at", "required", "an exception needs an expiry date")
	case !in.ExpiresAt.After(now):
		ve.Add("expires_at", "not_future", "the expiry date must be in the future")
	case in.ExpiresAt.After(now.AddDate(0, 0, hikeshi.MaxExceptionDays)):
		ve.Add("expires_at", "too_far", fmt.Sprintf("an exception lasts at most %d days", hikeshi.MaxExceptionDays))
	}
	var out hikeshi.VulnerabilityException
	_, err := s.step(ctx, actor, id, "exception.request", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		if v.Status != hikeshi.VulnOpen && v.Status != hikeshi.VulnInRemediation {
			return errVulnMove
		}
		es, err := tx.FindVulnerabilityExceptions(ctx, v.ID)
		if err != nil {
			return err
		}
		if exceptionPending(es) {
			return errVulnExceptionOn
		}
		if err := ve.Err(); err != nil {
			return err
		}
		e := hikeshi.VulnerabilityException{ID: hikeshi.NewID(), VulnerabilityID: v.ID, Reason: in.Reason, ExpiresAt: in.ExpiresAt,
			Status: hikeshi.ExceptionRequested, RequestedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		out = e
		if err := tx.CreateVulnerabilityException(ctx, e); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "vulnerability.exception.request", "vulnerability_exception", e.ID, nil,
			map[string]any{"vulnerability_id": v.ID, "status": e.Status, "expires_at": e.ExpiresAt})
	})
	if err != nil {
		return hikeshi.VulnerabilityException{}, err
	}
	return out, nil
}

// DecideException approves or rejects a requested exception: a manager or
// an admin who did not request it. Approval accepts the vulnerability's
// risk: the vulnerability is "accepted" and its open tasks pause until the
// exception expires.
func (s *Vulnerabilities) DecideException(ctx context.Context, actor hikeshi.Actor, exceptionID string, approve bool) (hikeshi.VulnerabilityException, error) {
	var out hikeshi.VulnerabilityException
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := vulnSignedIn(actor); err != nil {
			return err
		}
		if !seesVulnerabilities(actor) || len(exceptionID) > 64 {
			return hikeshi.ErrNotFound
		}
		e, err := tx.FindVulnerabilityExceptionByID(ctx, exceptionID)
		if err != nil {
			return err
		}
		if !actor.CanApproveExceptions() {
			return forbid("decide an exception")
		}
		if e.Status != hikeshi.ExceptionRequested {
			return errVulnNotRequested
		}
		if e.RequestedBy == actor.UserID {
			return errVulnSelfApprove
		}
		now := s.clock.Now()
		before := e
		e.Status, e.DecidedBy, e.DecidedAt, e.UpdatedAt = hikeshi.ExceptionRejected, actor.UserID, now, now
		if approve {
			e.Status = hikeshi.ExceptionApproved
			if !e.ExpiresAt.After(now) {
				return vulnConflict("expired", "the requested expiry date has passed; request again")
			}
		}
		if err := tx.UpdateVulnerabilityException(ctx, e); err != nil {
			return err
		}
		out = e
		if err := s.audit(ctx, tx, actor, "vulnerability.exception.decide", "vulnerability_exception", e.ID,
			map[string]any{"status": before.Status}, map[string]any{"status": e.Status, "vulnerability_id": e.VulnerabilityID}); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		return s.setAccepted(ctx, tx, actor, e.VulnerabilityID, true, now)
	})
	if err != nil {
		return hikeshi.VulnerabilityException{}, fmt.Errorf("decide exception: %w", err)
	}
	return out, nil
}

// setAccepted accepts a vulnerability's risk (pausing its open tasks) or,
// when the exception expired, reopens remediation (the paused tasks open
// again with fresh deadlines by severity).
func (s *Vulnerabilities) setAccepted(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id string, accept bool, now time.Time) error {
	v, err := tx.FindVulnerabilityByID(ctx, id)
	if err != nil {
		return err
	}
	rems, err := tx.FindVulnerabilityRemediations(ctx, id)
	if err != nil {
		return err
	}
	for _, r := range rems {
		switch {
		case accept && r.Status == hikeshi.RemediationOpen:
			r.Status = hikeshi.RemediationPaused
		case !accept && r.Status == hikeshi.RemediationPaused:
			r.Status, r.DueAt, r.RemindedAt = hikeshi.RemediationOpen, hikeshi.RemediationDue(v.Severity, now), time.Time{}
		default:
			continue
		}
		r.UpdatedAt = now
		if err := tx.UpdateVulnerabilityRemediation(ctx, r); err != nil {
			return err
		}
	}
	before := v
	switch {
	case accept:
		v.Status = hikeshi.VulnAccepted
	case v.Status == hikeshi.VulnAccepted:
		v.Status = hikeshi.VulnInRemediation
	default:
		return nil
	}
	v.UpdatedAt = now
	if err := tx.UpdateVulnerability(ctx, v); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "vulnerability.status", "vulnerability", v.ID, auditOfVuln(before), auditOfVuln(v))
}

// ExpireExceptions ends every approved exception whose expiry has come
// (the system only): the exception is "expired" and remediation reopens.
// It returns how many exceptions expired.
func (s *Vulnerabilities) ExpireExceptions(ctx context.Context, actor hikeshi.Actor) (int, error) {
	if !actor.IsSystem() {
		return 0, forbid("expire exceptions")
	}
	n := 0
	for {
		now := s.clock.Now()
		es, err := s.st.FindExpiredVulnerabilityExceptions(ctx, now, hikeshi.MaxPageLimit)
		if err != nil {
			return n, fmt.Errorf("expire exceptions: %w", err)
		}
		for _, e := range es {
			err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
				e, err := tx.FindVulnerabilityExceptionByID(ctx, e.ID)
				if err != nil || e.Status != hikeshi.ExceptionApproved {
					return err
				}
				e.Status, e.UpdatedAt = hikeshi.ExceptionExpired, now
				if err := tx.UpdateVulnerabilityException(ctx, e); err != nil {
					return err
				}
				if err := s.audit(ctx, tx, actor, "vulnerability.exception.expire", "vulnerability_exception", e.ID,
					map[string]any{"status": "approved"}, map[string]any{"status": "expired", "vulnerability_id": e.VulnerabilityID}); err != nil {
					return err
				}
				return s.setAccepted(ctx, tx, actor, e.VulnerabilityID, false, now)
			})
			if err != nil {
				return n, fmt.Errorf("expire exceptions: %w", err)
			}
			n++
		}
		if len(es) < hikeshi.MaxPageLimit {
			return n, nil
		}
	}
}

// Acknowledge records that the outside reporter was thanked and told the
// report is being handled (when, by whom).
func (s *Vulnerabilities) Acknowledge(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Vulnerability, error) {
	return s.step(ctx, actor, id, "acknowledge", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		switch {
		case v.Disclosure == hikeshi.DisclosureNone:
			return errVulnNoDisclosure
		case !v.AcknowledgedAt.IsZero():
			return errVulnAcknowledged
		}
		v.AcknowledgedAt, v.AcknowledgedBy = s.clock.Now(), actor.UserID
		if v.Disclosure == hikeshi.DisclosureReceived {
			v.Disclosure = hikeshi.DisclosureAcknowledged
		}
		return nil
	})
}

// DisclosureInput changes a coordinated disclosure.
type DisclosureInput struct {
	Status          hikeshi.DisclosureStatus
	PublicationDate time.Time // the agreed publication day; zero: none agreed
}

// SetDisclosure changes the disclosure status and the agreed publication day.
func (s *Vulnerabilities) SetDisclosure(ctx context.Context, actor hikeshi.Actor, id string, in DisclosureInput) (hikeshi.Vulnerability, error) {
	if !in.Status.Valid() {
		return hikeshi.Vulnerability{}, hikeshi.Invalid("disclosure", "unknown", "unknown disclosure status")
	}
	return s.step(ctx, actor, id, "disclosure", func(tx hikeshi.Tx, v *hikeshi.Vulnerability) error {
		if v.Disclosure == hikeshi.DisclosureNone {
			return errVulnNoDisclosure
		}
		if in.Status == hikeshi.DisclosureAcknowledged && v.AcknowledgedAt.IsZero() {
			v.AcknowledgedAt, v.AcknowledgedBy = s.clock.Now(), actor.UserID
		}
		v.Disclosure, v.PublicationDate = in.Status, in.PublicationDate
		return nil
	})
}

// RemediationReminder is the mail of one overdue task to one person.
type RemediationReminder struct {
	Remediation   hikeshi.VulnerabilityRemediation
	Vulnerability hikeshi.Vulnerability
	To            string
	Name          string
	Locale        hikeshi.Locale
}

// OverdueReminders lists the reminders due now (the system only): one for
// each active person (auditors aside) of the department of each open task
// past its deadline that was not reminded in the last RemindAgainAfter.
// The job mails them and then calls MarkReminded.
func (s *Vulnerabilities) OverdueReminders(ctx context.Context, actor hikeshi.Actor) ([]RemediationReminder, error) {
	if !actor.IsSystem() {
		return nil, forbid("list overdue remediation")
	}
	now := s.clock.Now()
	var out []RemediationReminder
	after := ""
	for {
		rs, err := s.st.FindOverdueRemediations(ctx, now, now.Add(-hikeshi.RemindAgainAfter), hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit})
		if err != nil {
			return nil, fmt.Errorf("overdue remediation: %w", err)
		}
		for _, r := range rs {
			v, err := s.st.FindVulnerabilityByID(ctx, r.VulnerabilityID)
			if err != nil {
				return nil, fmt.Errorf("overdue remediation: %w", err)
			}
			us, err := s.st.FindUsers(ctx, hikeshi.UserFilter{DepartmentID: r.DepartmentID, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
			if err != nil {
				return nil, fmt.Errorf("overdue remediation: %w", err)
			}
			for _, u := range us {
				if u.Active() && u.Role != hikeshi.RoleAuditor {
					out = append(out, RemediationReminder{Remediation: r, Vulnerability: v, To: u.Email, Name: u.Name, Locale: u.Locale})
				}
			}
		}
		if len(rs) < hikeshi.MaxPageLimit {
			return out, nil
		}
		after = rs[len(rs)-1].ID
	}
}

// MarkReminded records that an overdue task's reminder went out (the system only).
func (s *Vulnerabilities) MarkReminded(ctx context.Context, actor hikeshi.Actor, remediationID string) error {
	if !actor.IsSystem() {
		return forbid("mark a reminder")
	}
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		r, err := tx.FindVulnerabilityRemediationByID(ctx, remediationID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		r.RemindedAt, r.UpdatedAt = now, now
		return tx.UpdateVulnerabilityRemediation(ctx, r)
	})
}

// Now is the service's clock (the demo agrees publication dates from it).
func (s *Vulnerabilities) Now() time.Time { return s.clock.Now() }
