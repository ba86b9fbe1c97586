package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Evidence holds what an incident is about (IH-5): observables de-duplicated
// across incidents, affected assets, and evidence files stored
// content-addressed in the blob store.
//
// Who may do what: whoever may see an incident reads its observables, assets
// and evidence, and downloads its evidence files; the CSIRT and admins add,
// change and remove them. "Also seen in" lists only the other incidents the
// viewer may see, filtered in the query. Every change, and every upload and
// download of an evidence file, is audited with ids, types and hashes — never
// an incident's words, an observable's value or a file's name, so that nothing
// of a TLP:RED incident reaches everyone who reads the audit log.
type Evidence struct{ base }

// incidents gives the area the incident service's visibility-checked loads
// and timeline; it holds no state of its own beyond base.
func (s *Evidence) incidents() *Incidents { return &Incidents{base: s.base} }

// alsoSeenLimit bounds the other incidents listed beside one observable.
const alsoSeenLimit = 20

// ObservablesInput is a paste of observables for one incident: one value per
// entry (a line of the paste), each of Type, or of its detected type when
// Type is empty. Empty entries are skipped but keep their place, so an error
// names the line the user sees.
type ObservablesInput struct {
	Values []string
	Type   hikeshi.ObservableType // "" = detect each value's type
	Note   string
}

// ObservablesAdded is the result of a paste.
type ObservablesAdded struct {
	Added   []hikeshi.IncidentObservable
	Skipped int // values the incident already had, or repeated in the paste
}

// LinkedObservable is an observable of an incident with the other incidents
// that have it and that the viewer may see.
type LinkedObservable struct {
	hikeshi.IncidentObservable
	AlsoSeenIn []hikeshi.IncidentRef
}

// ObservableHit is an observable found by a search, with the incidents the
// searcher may see that have it.
type ObservableHit struct {
	Observable hikeshi.Observable
	Incidents  []hikeshi.IncidentRef
}

// EvidenceSection is everything the area shows on one incident.
type EvidenceSection struct {
	Observables []LinkedObservable
	Assets      []hikeshi.AffectedAsset
	Files       []hikeshi.IncidentEvidence
	CanHandle   bool
}

// ParseObservables validates every value of a paste before anything is
// stored: any bad value refuses the whole paste with one field error per bad
// value (field "values[i]", i from 0), so the user fixes the lines and sends
// the same text again. Good values come back canonical, without repeats.
func ParseObservables(in ObservablesInput) ([]hikeshi.Observable, int, error) {
	var v hikeshi.ValidationError
	if in.Type != "" && !in.Type.Valid() {
		v.Add("type", "unknown", "type must be ip, domain, url, hash, email or account, or empty to detect it")
		return nil, 0, &v
	}
	hikeshi.ValidateText(&v, "note", in.Note, hikeshi.MaxObservableNoteLen, false)
	var out []hikeshi.Observable
	seen := map[string]bool{}
	repeats, count := 0, 0
	for i, raw := range in.Values {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		if count++; count > hikeshi.MaxObservablesPerAdd {
			v.Add("values", "too_many", fmt.Sprintf("at most %d observables at once", hikeshi.MaxObservablesPerAdd))
			break
		}
		t := in.Type
		if t == "" {
			t = hikeshi.DetectObservableType(raw)
		}
		val, err := hikeshi.NormalizeObservable(t, raw)
		var oe *hikeshi.ObservableError
		if errors.As(err, &oe) {
			v.Add(fmt.Sprintf("values[%d]", i), oe.Code, fmt.Sprintf("line %d: %s", i+1, oe.Reason))
			continue
		}
		if seen[string(t)+"\x00"+val] {
			repeats++
			continue
		}
		seen[string(t)+"\x00"+val] = true
		out = append(out, hikeshi.Observable{Type: t, Value: val})
	}
	if count == 0 && len(v.Fields) == 0 {
		v.Add("values", "required", "paste at least one observable")
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	return out, repeats, nil
}

// AddObservables adds the observables of a paste to an incident (CSIRT and
// admins). Each is stored once across all incidents; one the incident has
// already is skipped. The whole paste is refused if any value is bad.
func (s *Evidence) AddObservables(ctx context.Context, actor hikeshi.Actor, incidentID string, in ObservablesInput) (ObservablesAdded, error) {
	in.Note = strings.TrimSpace(in.Note)
	var out ObservablesAdded
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.incidents().handle(ctx, tx, actor, incidentID, "add observables")
		if err != nil {
			return err
		}
		obs, repeats, err := ParseObservables(in)
		if err != nil {
			return err
		}
		out = ObservablesAdded{Skipped: repeats}
		now := s.clock.Now()
		byType := map[string]int{}
		has := map[string]bool{}
		for p := (hikeshi.Page{Limit: hikeshi.MaxPageLimit}); ; {
			links, err := tx.FindIncidentObservables(ctx, i.ID, p)
			if err != nil {
				return err
			}
			for _, l := range links {
				has[l.Observable.ID] = true
			}
			if len(links) < p.Limit {
				break
			}
			p.After = links[len(links)-1].ID
		}
		for _, o := range obs {
			o.ID, o.CreatedAt = hikeshi.NewID(), now
			stored, err := tx.EnsureObservable(ctx, o)
			if err != nil {
				return err
			}
			l := hikeshi.IncidentObservable{ID: hikeshi.NewID(), IncidentID: i.ID, Observable: stored, Note: in.Note,
				AddedBy: actor.UserID, AddedAt: now}
			// A link that exists already is skipped: checked first, because a
			// failed statement would abort a PostgreSQL transaction.
			if has[stored.ID] {
				out.Skipped++
				continue
			}
			has[stored.ID] = true
			if err := tx.CreateIncidentObservable(ctx, l); err != nil {
				return err
			}
			byType[string(stored.Type)]++
			out.Added = append(out.Added, l)
		}
		if len(out.Added) == 0 {
			return nil
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[observables+] %d", len(out.Added))}); err != nil {
			return err
		}
		ids := make([]string, len(out.Added))
		for k, l := range out.Added {
			ids[k] = l.Observable.ID
		}
		return s.audit(ctx, tx, actor, "incident.observable.add", "incident", i.ID, nil,
			map[string]any{"observable_ids": ids, "types": byType})
	})
	if err != nil {
		return ObservablesAdded{}, fmt.Errorf("add observables: %w", err)
	}
	return out, nil
}

// RemoveObservable takes an observable off an incident (CSIRT and admins);
// the observable stays for the other incidents that have it.
func (s *Evidence) RemoveObservable(ctx context.Context, actor hikeshi.Actor, incidentID, linkID string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.incidents().handle(ctx, tx, actor, incidentID, "remove an observable")
		if err != nil {
			return err
		}
		l, err := tx.FindIncidentObservable(ctx, linkID)
		if err != nil {
			return err
		}
		if l.IncidentID != i.ID {
			return hikeshi.ErrNotFound
		}
		if err := tx.DeleteIncidentObservable(ctx, l.ID); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: "[observable-] " + string(l.Observable.Type)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "incident.observable.remove", "incident", i.ID,
			map[string]string{"observable_id": l.Observable.ID, "type": string(l.Observable.Type)}, nil)
	})
	if err != nil {
		return fmt.Errorf("remove observable: %w", err)
	}
	return nil
}

// visibility fills the visibility fields of a filter for actor, as
// Incidents.List does.
func visibility(actor hikeshi.Actor, f *hikeshi.ObservableIncidentFilter) {
	f.ViewerID, f.SeeRestricted = actor.UserID, seesAll(actor)
	f.MemberOnly = !actor.CanListIncidents() && !actor.IsSystem()
}

// Observables lists an incident's observables, each with the other incidents
// that have it and that the actor may see.
func (s *Evidence) Observables(ctx context.Context, actor hikeshi.Actor, incidentID string) ([]LinkedObservable, error) {
	i, err := s.incidents().get(ctx, s.st, actor, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list observables: %w", err)
	}
	return s.observables(ctx, actor, i)
}

func (s *Evidence) observables(ctx context.Context, actor hikeshi.Actor, i hikeshi.Incident) ([]LinkedObservable, error) {
	links, err := s.st.FindIncidentObservables(ctx, i.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, fmt.Errorf("list observables: %w", err)
	}
	out := make([]LinkedObservable, len(links))
	for k, l := range links {
		f := hikeshi.ObservableIncidentFilter{ObservableID: l.Observable.ID, ExceptIncidentID: i.ID, Page: hikeshi.Page{Limit: alsoSeenLimit}}
		visibility(actor, &f)
		refs, err := s.st.FindObservableIncidents(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list observables: %w", err)
		}
		out[k] = LinkedObservable{IncidentObservable: l, AlsoSeenIn: refs}
	}
	return out, nil
}

// SearchObservables finds the observables matching q (admins, CSIRT,
// managers, auditors) and, for each, the incidents the searcher may see that
// have it. q is tried as every type it could be, in canonical form, so
// "EVIL.example." finds the domain evil.example.
func (s *Evidence) SearchObservables(ctx context.Context, actor hikeshi.Actor, q string) ([]ObservableHit, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("search observables: %w", hikeshi.ErrUnauthenticated)
	}
	if !actor.CanListIncidents() && !actor.IsSystem() {
		return nil, forbid("search observables")
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if len(q) > hikeshi.MaxObservableLen {
		return nil, hikeshi.Invalid("q", "too_long", fmt.Sprintf("the search is longer than %d bytes", hikeshi.MaxObservableLen))
	}
	values := []string{}
	add := func(v string) {
		for _, w := range values {
			if w == v {
				return
			}
		}
		values = append(values, v)
	}
	for _, t := range hikeshi.ObservableTypes {
		if v, err := hikeshi.NormalizeObservable(t, q); err == nil {
			add(v)
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	obs, err := s.st.FindObservablesByValue(ctx, values)
	if err != nil {
		return nil, fmt.Errorf("search observables: %w", err)
	}
	var out []ObservableHit
	for _, o := range obs {
		f := hikeshi.ObservableIncidentFilter{ObservableID: o.ID, Page: hikeshi.Page{Limit: hikeshi.DefaultPageLimit}}
		visibility(actor, &f)
		refs, err := s.st.FindObservableIncidents(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("search observables: %w", err)
		}
		if len(refs) == 0 {
			continue // an observable of incidents the searcher cannot see is not revealed either
		}
		out = append(out, ObservableHit{Observable: o, Incidents: refs})
	}
	return out, nil
}

// AssetInput is an affected asset as the CSIRT types it.
type AssetInput struct {
	Name         string
	Kind         hikeshi.AssetKind
	Identifier   string
	DepartmentID string        // "" = not given
	Criticality  hikeshi.Level // 0 = not given
	Note         string
}

func validateAsset(ctx context.Context, r hikeshi.Reader, a hikeshi.AffectedAsset) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "name", a.Name, hikeshi.MaxAssetNameLen, true)
	if strings.ContainsAny(a.Name, "\r\n") {
		v.Add("name", "invalid_text", "the name is one line")
	}
	if !a.Kind.Valid() {
		v.Add("kind", "unknown", "kind must be host, server, network_device, account, application, data, mobile_device or other")
	}
	hikeshi.ValidateText(&v, "identifier", a.Identifier, hikeshi.MaxAssetIdentifierLen, false)
	if a.Criticality != 0 && !a.Criticality.Valid() {
		v.Add("criticality", "out_of_range", "criticality must be 1 (most critical) to 4, or empty")
	}
	hikeshi.ValidateText(&v, "note", a.Note, hikeshi.MaxAssetNoteLen, false)
	if a.DepartmentID != "" {
		if _, err := r.FindDepartmentByID(ctx, a.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("department_id", "unknown", "no such department")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// assetAudit is what the audit log keeps of an asset: never its name,
// identifier or note.
func assetAudit(a hikeshi.AffectedAsset) map[string]any {
	return map[string]any{"asset_id": a.ID, "kind": string(a.Kind), "criticality": int(a.Criticality), "department_id": a.DepartmentID}
}

// AddAsset records an affected asset (CSIRT and admins).
func (s *Evidence) AddAsset(ctx context.Context, actor hikeshi.Actor, incidentID string, in AssetInput) (hikeshi.AffectedAsset, error) {
	var out hikeshi.AffectedAsset
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.incidents().handle(ctx, tx, actor, incidentID, "add an affected asset")
		if err != nil {
			return err
		}
		now := s.clock.Now()
		a := hikeshi.AffectedAsset{ID: hikeshi.NewID(), IncidentID: i.ID, AddedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		setAsset(&a, in)
		if err := validateAsset(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.CreateAffectedAsset(ctx, a); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[asset+] %s (%s)", a.Name, a.Kind)}); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "incident.asset.add", "incident", i.ID, nil, assetAudit(a))
	})
	if err != nil {
		return hikeshi.AffectedAsset{}, fmt.Errorf("add affected asset: %w", err)
	}
	return out, nil
}

func setAsset(a *hikeshi.AffectedAsset, in AssetInput) {
	a.Name, a.Kind, a.Identifier = strings.TrimSpace(in.Name), in.Kind, strings.TrimSpace(in.Identifier)
	a.DepartmentID, a.Criticality, a.Note = strings.TrimSpace(in.DepartmentID), in.Criticality, strings.TrimSpace(in.Note)
}

// UpdateAsset changes an affected asset (CSIRT and admins); every field is
// replaced by in.
func (s *Evidence) UpdateAsset(ctx context.Context, actor hikeshi.Actor, incidentID, assetID string, in AssetInput) (hikeshi.AffectedAsset, error) {
	var out hikeshi.AffectedAsset
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, before, err := s.asset(ctx, tx, actor, incidentID, assetID, "change an affected asset")
		if err != nil {
			return err
		}
		a := before
		setAsset(&a, in)
		if err := validateAsset(ctx, tx, a); err != nil {
			return err
		}
		if a == before {
			out = a
			return nil
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateAffectedAsset(ctx, a); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[asset~] %s (%s)", a.Name, a.Kind)}); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "incident.asset.update", "incident", i.ID, assetAudit(before), assetAudit(a))
	})
	if err != nil {
		return hikeshi.AffectedAsset{}, fmt.Errorf("update affected asset: %w", err)
	}
	return out, nil
}

// RemoveAsset removes an affected asset (CSIRT and admins).
func (s *Evidence) RemoveAsset(ctx context.Context, actor hikeshi.Actor, incidentID, assetID string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, a, err := s.asset(ctx, tx, actor, incidentID, assetID, "remove an affected asset")
		if err != nil {
			return err
		}
		if err := tx.DeleteAffectedAsset(ctx, a.ID); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[asset-] %s (%s)", a.Name, a.Kind)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "incident.asset.remove", "incident", i.ID, assetAudit(a), nil)
	})
	if err != nil {
		return fmt.Errorf("remove affected asset: %w", err)
	}
	return nil
}

// asset loads an asset of an incident for a change by a handler.
func (s *Evidence) asset(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, incidentID, assetID, what string) (hikeshi.Incident, hikeshi.AffectedAsset, error) {
	i, err := s.incidents().handle(ctx, tx, actor, incidentID, what)
	if err != nil {
		return hikeshi.Incident{}, hikeshi.AffectedAsset{}, err
	}
	a, err := tx.FindAffectedAsset(ctx, assetID)
	if err == nil && a.IncidentID != i.ID {
		err = hikeshi.ErrNotFound
	}
	return i, a, err
}

// Assets lists an incident's affected assets.
func (s *Evidence) Assets(ctx context.Context, actor hikeshi.Actor, incidentID string) ([]hikeshi.AffectedAsset, error) {
	if _, err := s.incidents().get(ctx, s.st, actor, incidentID); err != nil {
		return nil, fmt.Errorf("list affected assets: %w", err)
	}
	out, err := s.st.FindAffectedAssets(ctx, incidentID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, fmt.Errorf("list affected assets: %w", err)
	}
	return out, nil
}

// EvidenceInput describes an evidence file being uploaded.
type EvidenceInput struct {
	Filename    string // as the client named it; sanitised here
	Description string
}

// evidenceAudit is what the audit log keeps of an evidence file: its hash,
// size and type — the chain of custody — never its name or description.
func evidenceAudit(e hikeshi.IncidentEvidence) map[string]any {
	return map[string]any{"evidence_id": e.ID, "sha256": e.SHA256, "size": e.Size, "media_type": e.MediaType}
}

// UploadEvidence streams a file into the blob store and records it as
// evidence of an incident (CSIRT and admins). The actor's right is checked
// before a byte is stored. More than hikeshi.MaxEvidenceSize bytes is a
// ValidationError on field "file" with code too_large. The same file twice
// on one incident is a conflict on "file".
func (s *Evidence) UploadEvidence(ctx context.Context, actor hikeshi.Actor, incidentID string, r io.Reader, in EvidenceInput) (hikeshi.IncidentEvidence, error) {
	in.Description = strings.TrimSpace(in.Description)
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "description", in.Description, hikeshi.MaxEvidenceDescriptionLen, false)
	if err := s.mayUpload(ctx, actor, incidentID); err != nil {
		return hikeshi.IncidentEvidence{}, fmt.Errorf("upload evidence: %w", err)
	}
	if err := v.Err(); err != nil {
		return hikeshi.IncidentEvidence{}, err
	}
	b, err := s.st.PutBlob(ctx, r, hikeshi.MaxEvidenceSize)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		for k := range ve.Fields {
			ve.Fields[k].Field = "file"
		}
		return hikeshi.IncidentEvidence{}, ve
	}
	if err != nil {
		return hikeshi.IncidentEvidence{}, fmt.Errorf("upload evidence: %w", err)
	}
	var out hikeshi.IncidentEvidence
	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.incidents().handle(ctx, tx, actor, incidentID, "upload evidence")
		if err != nil {
			return err
		}
		existing, err := tx.FindIncidentEvidence(ctx, i.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.SHA256 == b.SHA256 {
				return duplicateEvidence(e)
			}
		}
		e := hikeshi.IncidentEvidence{ID: hikeshi.NewID(), IncidentID: i.ID, SHA256: b.SHA256, Filename: hikeshi.SanitizeFilename(in.Filename),
			Size: b.Size, MediaType: b.MediaType, Description: in.Description, AddedBy: actor.UserID, AddedAt: s.clock.Now()}
		if err := tx.CreateIncidentEvidence(ctx, e); err != nil {
			if errors.Is(err, hikeshi.ErrConflict) {
				return duplicateEvidence(e)
			}
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[evidence+] %s sha256:%s", e.Filename, e.SHA256)}); err != nil {
			return err
		}
		out = e
		return s.audit(ctx, tx, actor, "incident.evidence.add", "incident", i.ID, nil, evidenceAudit(e))
	})
	if err != nil {
		return hikeshi.IncidentEvidence{}, fmt.Errorf("upload evidence: %w", err)
	}
	return out, nil
}

func duplicateEvidence(e hikeshi.IncidentEvidence) error {
	return hikeshi.Conflict("file", fmt.Sprintf("this file (SHA-256 %s) is already evidence of the incident, as %q", e.SHA256, e.Filename))
}

// mayUpload checks, outside a transaction, that the actor may add evidence
// to the incident: a cheap check before a long upload, repeated inside the
// transaction that records it.
func (s *Evidence) mayUpload(ctx context.Context, actor hikeshi.Actor, incidentID string) error {
	if _, err := s.incidents().get(ctx, s.st, actor, incidentID); err != nil {
		return err
	}
	if !canHandle(actor) {
		return forbid("upload evidence")
	}
	return nil
}

// Files lists an incident's evidence files.
func (s *Evidence) Files(ctx context.Context, actor hikeshi.Actor, incidentID string) ([]hikeshi.IncidentEvidence, error) {
	if _, err := s.incidents().get(ctx, s.st, actor, incidentID); err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	out, err := s.st.FindIncidentEvidence(ctx, incidentID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	return out, nil
}

// OpenEvidence streams an evidence file to whoever may see its incident, and
// audits the download with the file's hash (chain of custody) before the
// first byte leaves. Anything the actor may not see is ErrNotFound. The
// caller closes the reader.
func (s *Evidence) OpenEvidence(ctx context.Context, actor hikeshi.Actor, incidentID, evidenceID string) (io.ReadCloser, hikeshi.IncidentEvidence, error) {
	var e hikeshi.IncidentEvidence
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.incidents().get(ctx, tx, actor, incidentID)
		if err != nil {
			return err
		}
		if e, err = tx.FindIncidentEvidenceByID(ctx, evidenceID); err != nil {
			return err
		}
		if e.IncidentID != i.ID {
			return hikeshi.ErrNotFound
		}
		return s.audit(ctx, tx, actor, "incident.evidence.download", "incident", i.ID, nil, evidenceAudit(e))
	})
	if err != nil {
		return nil, hikeshi.IncidentEvidence{}, fmt.Errorf("open evidence: %w", err)
	}
	rc, _, err := s.st.OpenBlob(ctx, e.SHA256)
	if err != nil {
		return nil, hikeshi.IncidentEvidence{}, fmt.Errorf("open evidence: %w", err)
	}
	return rc, e, nil
}

// Section returns everything the incident page shows of the area.
func (s *Evidence) Section(ctx context.Context, actor hikeshi.Actor, incidentID string) (EvidenceSection, error) {
	i, err := s.incidents().get(ctx, s.st, actor, incidentID)
	if err != nil {
		return EvidenceSection{}, fmt.Errorf("evidence section: %w", err)
	}
	out := EvidenceSection{CanHandle: canHandle(actor)}
	if out.Observables, err = s.observables(ctx, actor, i); err != nil {
		return EvidenceSection{}, err
	}
	if out.Assets, err = s.st.FindAffectedAssets(ctx, i.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return EvidenceSection{}, fmt.Errorf("evidence section: %w", err)
	}
	if out.Files, err = s.st.FindIncidentEvidence(ctx, i.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return EvidenceSection{}, fmt.Errorf("evidence section: %w", err)
	}
	return out, nil
}

// sweepBatch is how many blobs one transaction of the sweep deletes, so the
// one SQLite writer is never held long.
const sweepBatch = 50

// SweepBlobs deletes the stored files that no report attachment and no
// evidence row refers to and that are older than hikeshi.BlobGracePeriod
// (the system's job; admins may run it too), and audits how many went.
func (s *Evidence) SweepBlobs(ctx context.Context, actor hikeshi.Actor) (int, error) {
	if !actor.IsSystem() && !actor.CanAdminister() {
		return 0, forbid("sweep stored files")
	}
	olderThan := s.clock.Now().Add(-hikeshi.BlobGracePeriod)
	total := 0
	for {
		var n int
		err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
			var err error
			if n, err = tx.DeleteUnreferencedBlobs(ctx, olderThan, sweepBatch); err != nil || n == 0 {
				return err
			}
			return s.audit(ctx, tx, actor, "blob.sweep", "blob", "", nil,
				map[string]any{"deleted": n, "older_than": hikeshi.FormatTime(olderThan)})
		})
		if err != nil {
			return total, fmt.Errorf("sweep stored files: %w", err)
		}
		total += n
		if n < sweepBatch {
			return total, nil
		}
	}
}
