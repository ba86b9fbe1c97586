package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of observables, affected assets and evidence files of incidents (IH-5).

// registerEvidence mounts the area's pages.
func (h *Handler) registerEvidence(handle handleFunc) {
	handle("POST /incidents/{id}/observables", signedIn, h.evidenceAddObservables)
	handle("POST /incidents/{id}/observables/{link}/remove", signedIn, h.evidenceRemoveObservable)
	handle("POST /incidents/{id}/assets", signedIn, h.evidenceAddAsset)
	handle("POST /incidents/{id}/assets/{asset}", signedIn, h.evidenceUpdateAsset)
	handle("POST /incidents/{id}/assets/{asset}/remove", signedIn, h.evidenceRemoveAsset)
	handle("POST /incidents/{id}/evidence", signedIn, h.evidenceUpload)
	handle("GET /incidents/{id}/evidence/{evidence}", signedIn, h.evidenceDownload)
	handle("GET /observables", signedIn, h.observableSearch)
}

// incidentEvidenceSection is what the incident page shows of the area.
type incidentEvidenceSection struct {
	service.EvidenceSection
	Types       []hikeshi.ObservableType
	AssetKinds  []hikeshi.AssetKind
	Departments []hikeshi.Department
	MaxFileSize string
	CanSearch   bool // may use the observable search

	// Forms shown again with what was typed.
	Paste, PasteType, PasteNote string
	LineErrors                  []string // one message per bad line of the paste
	Asset                       service.AssetInput
	AssetID                     string // the asset whose edit form is shown again; "" = the add form
	Description                 string
	// The last paste added Added observables and skipped Skipped (shown when Pasted).
	Pasted         bool
	Added, Skipped int
}

// Criticalities are the choices of an asset's criticality, most critical first.
func (s incidentEvidenceSection) Criticalities() []hikeshi.Level { return []hikeshi.Level{1, 2, 3, 4} }

// loadIncidentEvidence fills the area's section of the incident page.
func (h *Handler) loadIncidentEvidence(r *http.Request, v *incidentView) error {
	sec, err := h.svc.Evidence.Section(r.Context(), h.stateOf(r).actor(), v.D.Incident.ID)
	if err != nil {
		return err
	}
	v.Evidence.EvidenceSection = sec
	v.Evidence.Types, v.Evidence.AssetKinds = hikeshi.ObservableTypes, hikeshi.AssetKinds
	v.Evidence.MaxFileSize = fileSize(hikeshi.MaxEvidenceSize)
	v.Evidence.CanSearch = h.stateOf(r).actor().CanListIncidents()
	e := &v.Evidence
	if _, err := fmt.Sscanf(r.URL.Query().Get("obs"), "%d-%d", &e.Added, &e.Skipped); err == nil && e.Added >= 0 && e.Skipped >= 0 {
		e.Pasted = true
	}
	if sec.CanHandle {
		ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
		if err != nil {
			return err
		}
		v.Evidence.Departments = ds
	}
	return nil
}

// ObservableType is the localised name of an observable type.
func (p *page) ObservableType(t hikeshi.ObservableType) string {
	return p.T("evidence.type." + string(t))
}

// AssetKind is the localised name of an asset kind.
func (p *page) AssetKind(k hikeshi.AssetKind) string { return p.T("evidence.asset_kind." + string(k)) }

// Defang shows an observable so that it is never a link.
func (p *page) Defang(o hikeshi.Observable) string { return hikeshi.Defang(o.Type, o.Value) }

// HashName names the algorithm of a hash observable ("" for other types).
func (p *page) HashName(o hikeshi.Observable) string {
	if o.Type != hikeshi.ObservableHash {
		return ""
	}
	return strings.ToUpper(hikeshi.HashAlgorithm(o.Value))
}

// assetFormView is one asset form of the incident page: the add form or
// the edit form of one asset.
type assetFormView struct {
	P          *incidentView
	IncidentID string
	AssetID    string // "" = the add form
	In         service.AssetInput
	Errs       map[string]string // the field errors, when this form was the one sent
}

// AssetAddForm is the form that adds an asset, with what was typed when it
// was refused.
func (v *incidentView) AssetAddForm() assetFormView {
	f := assetFormView{P: v, IncidentID: v.D.Incident.ID}
	if v.Evidence.AssetID == "" {
		f.In, f.Errs = v.Evidence.Asset, v.Errors
	}
	return f
}

// AssetEditForm is the form that changes asset a, with what was typed when
// it was refused.
func (v *incidentView) AssetEditForm(a hikeshi.AffectedAsset) assetFormView {
	f := assetFormView{P: v, IncidentID: v.D.Incident.ID, AssetID: a.ID, In: service.AssetInput{Name: a.Name, Kind: a.Kind,
		Identifier: a.Identifier, DepartmentID: a.DepartmentID, Criticality: a.Criticality, Note: a.Note}}
	if v.Evidence.AssetID == a.ID {
		f.In, f.Errs = v.Evidence.Asset, v.Errors
	}
	return f
}

// DepartmentName is the name of a department among ds, or "".
func (s incidentEvidenceSection) DepartmentName(id string) string {
	for _, d := range s.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

func incidentURL(id, anchor string) string {
	return "/incidents/" + url.PathEscape(id) + "?m=saved#" + anchor
}

// observableLineErrors turns the errors of a refused paste into one message
// per bad line, naming the line as the user sees it.
func observableLineErrors(p *page, ve *hikeshi.ValidationError) (lines []string, other map[string]string) {
	other = map[string]string{}
	for _, f := range ve.Fields {
		var i int
		if _, err := fmt.Sscanf(f.Field, "values[%d]", &i); err == nil {
			lines = append(lines, p.T("evidence.err_line", i+1, p.T("evidence.err."+f.Code)))
			continue
		}
		key := "obs_" + f.Field
		switch {
		case f.Field == "values" && f.Code == "too_many":
			other[key] = p.T("evidence.err_too_many", hikeshi.MaxObservablesPerAdd)
		case f.Field == "values":
			other[key] = p.T("evidence.err_paste_required")
		case f.Code == "too_long":
			other[key] = p.T("evidence.err_text_too_long", hikeshi.MaxObservableNoteLen)
		default:
			other[key] = fieldMessage(p, f)
		}
	}
	return lines, other
}

func (h *Handler) evidenceAddObservables(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	paste, typ, note := formValue(r, "values"), formValue(r, "type"), formValue(r, "note")
	in := service.ObservablesInput{Values: strings.Split(strings.ReplaceAll(paste, "\r\n", "\n"), "\n"),
		Type: hikeshi.ObservableType(typ), Note: note}
	res, err := h.svc.Evidence.AddObservables(r.Context(), h.stateOf(r).actor(), id, in)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Evidence.LineErrors, v.Errors = observableLineErrors(&v.page, ve)
			v.Evidence.Paste, v.Evidence.PasteType, v.Evidence.PasteNote = paste, typ, note
			v.Alert = v.T("evidence.fix_paste")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?"+url.Values{"m": {"saved"},
		"obs": {fmt.Sprintf("%d-%d", len(res.Added), res.Skipped)}}.Encode()+"#observables")
}

func (h *Handler) evidenceRemoveObservable(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.Evidence.RemoveObservable(r.Context(), h.stateOf(r).actor(), id, r.PathValue("link")); err != nil {
		return err
	}
	return redirect(w, r, incidentURL(id, "observables"))
}

// assetForm reads an asset form. A criticality that is not a number is
// passed on as out of range, so the service names it.
func assetForm(r *http.Request) service.AssetInput {
	in := service.AssetInput{Name: formValue(r, "name"), Kind: hikeshi.AssetKind(formValue(r, "kind")), Identifier: formValue(r, "identifier"),
		DepartmentID: trimmed(r, "department_id"), Note: formValue(r, "note")}
	if c := trimmed(r, "criticality"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n == 0 {
			n = -1
		}
		in.Criticality = hikeshi.Level(n)
	}
	return in
}

// assetErrors prefixes an asset form's field errors so they cannot meet
// another form's fields on the incident page.
func (h *Handler) assetErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	p := &page{}
	h.fill(r, p)
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	for _, f := range ve.Fields {
		switch {
		case f.Code == "too_long" && f.Field == "name":
			out["asset_name"] = p.T("evidence.err_text_too_long", hikeshi.MaxAssetNameLen)
		case f.Code == "too_long" && f.Field == "identifier":
			out["asset_identifier"] = p.T("evidence.err_text_too_long", hikeshi.MaxAssetIdentifierLen)
		case f.Code == "too_long" && f.Field == "note":
			out["asset_note"] = p.T("evidence.err_text_too_long", hikeshi.MaxAssetNoteLen)
		case f.Code == "out_of_range":
			out["asset_"+f.Field] = p.T("evidence.err_criticality")
		default:
			out["asset_"+f.Field] = msgs[f.Field]
		}
	}
	return out, true
}

func (h *Handler) evidenceAddAsset(w http.ResponseWriter, r *http.Request) error {
	return h.saveAsset(w, r, "")
}

func (h *Handler) evidenceUpdateAsset(w http.ResponseWriter, r *http.Request) error {
	return h.saveAsset(w, r, r.PathValue("asset"))
}

func (h *Handler) saveAsset(w http.ResponseWriter, r *http.Request, assetID string) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, in, a := r.PathValue("id"), assetForm(r), h.stateOf(r).actor()
	var err error
	if assetID == "" {
		_, err = h.svc.Evidence.AddAsset(r.Context(), a, id, in)
	} else {
		_, err = h.svc.Evidence.UpdateAsset(r.Context(), a, id, assetID, in)
	}
	if msgs, ok := h.assetErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Evidence.Asset, v.Evidence.AssetID = in, assetID
			v.Errors, v.Alert = msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, incidentURL(id, "assets"))
}

func (h *Handler) evidenceRemoveAsset(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.Evidence.RemoveAsset(r.Context(), h.stateOf(r).actor(), id, r.PathValue("asset")); err != nil {
		return err
	}
	return redirect(w, r, incidentURL(id, "assets"))
}

// evidenceFormLimit bounds the evidence upload form: the file at its limit,
// the description and the multipart framing.
const evidenceFormLimit = hikeshi.MaxEvidenceSize + 1<<20

// evidenceUpload streams the file of a multipart form into the blob store
// (never parsed into memory). The description comes before the file in the
// form, so it is kept when the file is refused.
func (h *Handler) evidenceUpload(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !isMultipart(r) {
		return userError(http.StatusBadRequest, "error.bad_form", nil)
	}
	r.Body = http.MaxBytesReader(w, r.Body, evidenceFormLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return userError(http.StatusBadRequest, "error.bad_form", err)
	}
	var description string
	var uploadErr error
	uploaded := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			uploadErr = hikeshi.Invalid("file", "too_large", "the file is over the limit")
			break
		}
		if err != nil {
			return userError(http.StatusBadRequest, "error.bad_form", err)
		}
		switch part.FormName() {
		case "description":
			b, err := io.ReadAll(io.LimitReader(part, smallForm+1))
			if err != nil {
				return userError(http.StatusBadRequest, "error.bad_form", err)
			}
			if len(b) > smallForm {
				return userError(http.StatusRequestEntityTooLarge, "error.too_large", nil)
			}
			if !utf8.Valid(b) {
				return userError(http.StatusBadRequest, "error.invalid_utf8", nil)
			}
			description = string(b)
		case "file":
			name := partFilename(part)
			if name == "" || uploaded || uploadErr != nil {
				continue // an empty file input, or a second file
			}
			_, uploadErr = h.svc.Evidence.UploadEvidence(r.Context(), h.stateOf(r).actor(), id, part,
				service.EvidenceInput{Filename: name, Description: description})
			if errors.As(uploadErr, &mb) {
				uploadErr = hikeshi.Invalid("file", "too_large", "the file is over the limit")
			}
			uploaded = uploadErr == nil
		}
	}
	if !uploaded && uploadErr == nil {
		uploadErr = hikeshi.Invalid("file", "required", "choose a file")
	}
	var ve *hikeshi.ValidationError
	if errors.As(uploadErr, &ve) {
		return h.renderIncident(w, r, statusOf(uploadErr), id, func(v *incidentView) {
			v.Evidence.Description = description
			v.Errors = map[string]string{}
			for _, f := range ve.Fields {
				switch {
				case f.Code == "too_large":
					v.Errors["evidence_file"] = v.T("evidence.err_file_too_large", fileSize(hikeshi.MaxEvidenceSize))
				case f.Code == "taken":
					v.Errors["evidence_file"] = v.T("evidence.err_file_duplicate")
				case f.Field == "file":
					v.Errors["evidence_file"] = v.T("evidence.err_file_required")
				case f.Code == "too_long":
					v.Errors["evidence_description"] = v.T("evidence.err_text_too_long", hikeshi.MaxEvidenceDescriptionLen)
				default:
					v.Errors["evidence_"+f.Field] = fieldMessage(&v.page, f)
				}
			}
			v.Alert = v.T("evidence.fix_upload")
		})
	}
	if uploadErr != nil {
		return uploadErr
	}
	return redirect(w, r, incidentURL(id, "evidence"))
}

// evidenceDownload serves an evidence file as a download to whoever may see
// the incident (anything else is 404); the service audits it with the hash.
// It is never rendered inline.
func (h *Handler) evidenceDownload(w http.ResponseWriter, r *http.Request) error {
	rc, e, err := h.svc.Evidence.OpenEvidence(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), r.PathValue("evidence"))
	if err != nil {
		return err
	}
	defer rc.Close()
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": e.Filename})
	if disp == "" {
		disp = "attachment"
	}
	hd := w.Header()
	hd.Set("Content-Type", hikeshi.DownloadType(e.MediaType))
	hd.Set("Content-Disposition", disp)
	hd.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Content-SHA256", e.SHA256)
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		h.log.WarnContext(r.Context(), "evidence download cut short", "evidence", e.ID, "sha256", e.SHA256, "err", err.Error())
	}
	return nil
}

// observableSearchView is the observable search page.
type observableSearchView struct {
	page
	Q        string
	Searched bool
	Hits     []service.ObservableHit
}

func (h *Handler) observableSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	if !utf8.ValidString(q) {
		return userError(http.StatusBadRequest, "error.invalid_utf8", nil)
	}
	v := &observableSearchView{Q: q, Searched: strings.TrimSpace(q) != ""}
	hits, err := h.svc.Evidence.SearchObservables(r.Context(), h.stateOf(r).actor(), q)
	status := http.StatusOK
	if msgs, ok := h.formErrors(r, err); ok {
		status, v.Searched = statusOf(err), false
		v.Errors = msgs
		if _, long := msgs["q"]; long {
			p := &page{}
			h.fill(r, p)
			v.Errors["q"] = p.T("evidence.err_text_too_long", hikeshi.MaxObservableLen)
		}
	} else if err != nil {
		return err
	}
	v.Hits = hits
	v.Active = "incidents"
	h.fill(r, &v.page)
	v.Title = v.T("evidence.search_title")
	return h.render(w, r, status, "evidence_search", v)
}
