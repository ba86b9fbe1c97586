package service

// IncidentReporting is IH-7: incident reports, regulator notification drafts, the
// public statement, report templates and the communication log.
type IncidentReporting struct {
	base
}
