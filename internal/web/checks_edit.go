package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// The Check area's editing pages beyond creation: a programme's page,
// correcting and deleting findings, and editing, archiving and deleting
// metrics (decision 0028). Deletions refused because others refer to the
// thing show the page again naming them.

// ---- programmes ----

type programmeShowView struct {
	page
	P       hikeshi.AuditProgramme
	Audits  []hikeshi.InternalAudit
	CanPlan bool
	Form    programmeForm
	// Depts and DeptName: the owner unit (decision 0038).
	Depts []hikeshi.Department
	names map[string]string
}

// DeptName names a department by id.
func (v *programmeShowView) DeptName(id string) string { return v.names[id] }

func (h *Handler) renderProgramme(w http.ResponseWriter, r *http.Request, status int, adjust func(v *programmeShowView)) error {
	a := h.stateOf(r).actor()
	p, err := h.svc.Checks.Programme(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &programmeShowView{P: p, CanPlan: a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager,
		Form: programmeForm{Year: strconv.Itoa(p.Year), Title: p.Title, PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd, Objectives: p.Objectives,
			DepartmentID: p.DepartmentID}}
	if v.Depts, v.names, err = h.departmentNames(r); err != nil {
		return err
	}
	if v.Audits, err = h.svc.Checks.Audits(r.Context(), a, p.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return err
	}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = p.Title
	h.notice(r, &v.page, "checks")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "audits_programme", v)
}

func (h *Handler) programmesShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderProgramme(w, r, http.StatusOK, nil)
}

func (h *Handler) programmesUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := programmeForm{Year: trimmed(r, "year"), Title: formValue(r, "title"), PeriodStart: trimmed(r, "period_start"),
		PeriodEnd: trimmed(r, "period_end"), Objectives: formValue(r, "objectives"), DepartmentID: trimmed(r, "department_id")}
	year, convErr := strconv.Atoi(in.Year)
	var err error
	if convErr != nil {
		err = hikeshi.Invalid("year", "out_of_range", "not a year")
	} else {
		_, err = h.svc.Checks.UpdateProgramme(r.Context(), h.stateOf(r).actor(), id, service.ProgrammeInput{Year: year, Title: in.Title,
			PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, Objectives: in.Objectives, DepartmentID: in.DepartmentID})
	}
	if err != nil {
		msgs, alert, ok := h.checkRefused(r, err)
		if !ok {
			return err
		}
		return h.renderProgramme(w, r, statusOf(err), func(v *programmeShowView) { v.Form, v.Errors, v.Alert = in, msgs, alert })
	}
	return redirect(w, r, "/isms/audit-programmes/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) programmesDelete(w http.ResponseWriter, r *http.Request) error {
	return h.checkPost(w, r, func() (string, error) {
		return "/isms/audits?n=programme_deleted", h.svc.Checks.DeleteProgramme(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderProgramme(w, r, status, func(v *programmeShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

// ---- findings ----

func (h *Handler) findingsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readFindingForm(r)
	if _, err := h.svc.Checks.UpdateFinding(r.Context(), h.stateOf(r).actor(), id, in.input()); err != nil {
		msgs, alert, ok := h.checkRefused(r, err)
		if !ok {
			return err
		}
		return h.renderFinding(w, r, statusOf(err), func(v *findingShowView) { v.FForm, v.Errors, v.Alert = in, msgs, alert })
	}
	return redirect(w, r, "/isms/findings/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) findingsDelete(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	id := r.PathValue("id")
	return h.checkPost(w, r, func() (string, error) {
		fv, err := h.svc.Checks.Finding(r.Context(), a, id)
		if err != nil {
			return "", err
		}
		return "/isms/audits/" + url.PathEscape(fv.Finding.AuditID) + "?n=finding_deleted", h.svc.Checks.DeleteFinding(r.Context(), a, id)
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderFinding(w, r, status, func(v *findingShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

// ---- metrics ----

func (h *Handler) metricsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readMetricForm(r)
	if _, err := h.svc.Checks.UpdateMetric(r.Context(), h.stateOf(r).actor(), id, in.input()); err != nil {
		msgs, alert, ok := h.checkRefused(r, err)
		if !ok {
			return err
		}
		return h.renderMetric(w, r, statusOf(err), func(v *metricShowView) { v.Form, v.Errors, v.Alert = in, msgs, alert })
	}
	return redirect(w, r, "/isms/metrics/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) metricsArchive(w http.ResponseWriter, r *http.Request) error {
	return h.metricArchived(w, r, true)
}
func (h *Handler) metricsRestore(w http.ResponseWriter, r *http.Request) error {
	return h.metricArchived(w, r, false)
}

func (h *Handler) metricArchived(w http.ResponseWriter, r *http.Request, archived bool) error {
	id := r.PathValue("id")
	notice := "metric_restored"
	if archived {
		notice = "metric_archived"
	}
	return h.checkPost(w, r, func() (string, error) {
		_, err := h.svc.Checks.SetMetricArchived(r.Context(), h.stateOf(r).actor(), id, archived)
		return "/isms/metrics/" + url.PathEscape(id) + "?n=" + notice, err
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderMetric(w, r, status, func(v *metricShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

func (h *Handler) metricsDelete(w http.ResponseWriter, r *http.Request) error {
	return h.checkPost(w, r, func() (string, error) {
		return "/isms/metrics?n=metric_deleted", h.svc.Checks.DeleteMetric(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderMetric(w, r, status, func(v *metricShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

// CheckRequirementTitle is a linked requirement's short title in the page's language.
func (p *page) CheckRequirementTitle(r *hikeshi.Requirement) string { return r.Title(string(p.Lang)) }
