package api

import (
	"net/http"
	"slices"
)

// route is one operation of the API: how it is mounted, how it is described
// in the OpenAPI document, and its handler.
type route struct {
	method  string
	path    string // below Prefix, with {name} wildcards
	op      string // OpenAPI operationId
	tag     string
	summary string
	doc     string

	params       []param // query parameters besides limit and cursor
	list         bool    // cursor-paginated; the response is a list of resp
	body         any     // the request body's type (a zero value), nil for none
	optionalBody bool    // the body may be empty
	rawBody      string  // the request body is a file of this media type, streamed as is (not JSON)
	status       int     // the success status
	resp         any     // the response's type (a zero value), nil for no content
	binary       bool    // the response is a file (application/octet-stream, or media), not JSON
	media        string  // a binary response's media type when it has a precise one (application/pdf)
	public       bool    // no authentication (only the OpenAPI document)
	handle       func(c *call) error
}

// param is a query parameter.
type param struct {
	name string
	typ  string // string, integer, uuid or date-time
	enum string // a key of enums, or ""
	doc  string
}

func (rt *route) pattern() string { return rt.method + " " + Prefix + rt.path }

// declares reports whether the route takes query parameter name.
func (rt *route) declares(name string) bool {
	if rt.list && (name == "limit" || name == "cursor") {
		return true
	}
	return slices.ContainsFunc(rt.params, func(p param) bool { return p.name == name })
}

// Methods, for the route tables.
const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

// table lists every operation of the API: the foundation's here, and each
// area of incident handling's in its own file.
func (h *Handler) table() []route {
	return slices.Concat(h.coreRoutes(), h.triageRoutes(), h.taskRoutes(), h.evidenceRoutes(), h.clockRoutes(), h.reviewRoutes(),
		h.documentRoutes(), h.riskRoutes(), h.frameworkRoutes(), h.checkRoutes(), h.managementRoutes(),
		h.patternRoutes(), h.improvementRoutes(), h.dashboardRoutes(), h.advisorRoutes(),
		h.alertIntakeRoutes(), h.alertQueueRoutes(), h.advisoryRoutes(),
		h.reportingRoutes(), h.vulnerabilityRoutes(), h.analysisRoutes(), h.awarenessRoutes())
}

// coreRoutes are the operations of the foundation, reports and incidents.
func (h *Handler) coreRoutes() []route {
	return []route{
		{method: get, path: "/openapi.json", op: "getOpenAPIDocument", tag: "meta", public: true,
			summary: "The OpenAPI 3.1 document of this API", status: http.StatusOK, resp: map[string]any{}, handle: h.openAPI},

		{method: get, path: "/me", op: "getMe", tag: "me", summary: "The account of the token's owner",
			status: http.StatusOK, resp: userJSON{}, handle: h.getMe},
		{method: get, path: "/me/tokens", op: "listMyTokens", tag: "me", summary: "Your API tokens, newest first, revoked ones included",
			list: true, status: http.StatusOK, resp: tokenJSON{}, handle: h.listTokens},
		{method: post, path: "/me/tokens", op: "createMyToken", tag: "me", summary: "Issue an API token for yourself",
			doc:  "The response carries the secret token; it is shown only this once and stored only as a hash.",
			body: tokenCreateJSON{}, optionalBody: true, status: http.StatusCreated, resp: tokenCreatedJSON{}, handle: h.createToken},
		{method: get, path: "/me/tokens/{id}", op: "getMyToken", tag: "me", summary: "One of your API tokens",
			status: http.StatusOK, resp: tokenJSON{}, handle: h.getToken},
		{method: del, path: "/me/tokens/{id}", op: "revokeMyToken", tag: "me", summary: "Revoke one of your API tokens",
			doc: "Revoking an already revoked token succeeds too.", status: http.StatusNoContent, handle: h.revokeToken},

		{method: get, path: "/departments", op: "listDepartments", tag: "departments", summary: "The organisation's departments",
			list: true, status: http.StatusOK, resp: departmentJSON{}, handle: h.listDepartments},
		{method: post, path: "/departments", op: "createDepartment", tag: "departments", summary: "Create a department (admins)",
			body: departmentCreateJSON{}, status: http.StatusCreated, resp: departmentJSON{}, handle: h.createDepartment},
		{method: get, path: "/departments/{id}", op: "getDepartment", tag: "departments", summary: "One department",
			status: http.StatusOK, resp: departmentJSON{}, handle: h.getDepartment},
		{method: patch, path: "/departments/{id}", op: "updateDepartment", tag: "departments", summary: "Change a department (admins)",
			doc:  "JSON merge-patch (RFC 7396): fields left out stay as they are.",
			body: departmentPatchJSON{}, status: http.StatusOK, resp: departmentJSON{}, handle: h.updateDepartment},
		{method: del, path: "/departments/{id}", op: "deleteDepartment", tag: "departments", summary: "Delete a department without members (admins)",
			status: http.StatusNoContent, handle: h.deleteDepartment},

		{method: get, path: "/users", op: "listUsers", tag: "users", summary: "Accounts",
			doc: "Admins, CSIRT, managers and auditors see every account; members see those of their own department.",
			params: []param{
				{name: "department_id", typ: "uuid", doc: "Only the members of this department."},
				{name: "role", typ: "string", enum: "role", doc: "Only accounts with this role."},
			},
			list: true, status: http.StatusOK, resp: userJSON{}, handle: h.listUsers},
		{method: post, path: "/users", op: "createUser", tag: "users", summary: "Create an account (admins)",
			body: userCreateJSON{}, status: http.StatusCreated, resp: userJSON{}, handle: h.createUser},
		{method: get, path: "/users/{id}", op: "getUser", tag: "users", summary: "One account",
			status: http.StatusOK, resp: userJSON{}, handle: h.getUser},
		{method: patch, path: "/users/{id}", op: "updateUser", tag: "users", summary: "Change an account",
			doc:  "JSON merge-patch (RFC 7396): fields left out stay as they are; null clears department_id or locale. Admins change every field; users their own name and locale.",
			body: userPatchJSON{}, status: http.StatusOK, resp: userJSON{}, handle: h.updateUser},
		{method: post, path: "/users/{id}/disable", op: "disableUser", tag: "users", summary: "Disable an account (admins)",
			doc:    "Ends its sessions; its API tokens stop working while it is disabled. Admins cannot disable themselves.",
			status: http.StatusOK, resp: userJSON{}, handle: h.setDisabled(true)},
		{method: post, path: "/users/{id}/enable", op: "enableUser", tag: "users", summary: "Re-enable an account (admins)",
			status: http.StatusOK, resp: userJSON{}, handle: h.setDisabled(false)},
		{method: post, path: "/users/{id}/unlock", op: "unlockUser", tag: "users", summary: "Clear a sign-in lock-out (admins)",
			status: http.StatusOK, resp: userJSON{}, handle: h.unlockUser},

		{method: get, path: "/reports", op: "listReports", tag: "reports", summary: "Reports from people, newest first",
			doc: "Admins, CSIRT, managers and auditors see every report; members see the reports they filed under their name. Anonymous reports carry nothing that identifies their sender.",
			params: []param{
				{name: "status", typ: "string", enum: "report_status", doc: "Only reports in this status."},
			},
			list: true, status: http.StatusOK, resp: reportJSON{}, handle: h.listReports},
		{method: get, path: "/reports/{id}", op: "getReport", tag: "reports", summary: "One report with its thread of messages",
			status: http.StatusOK, resp: reportDetailJSON{}, handle: h.getReport},
		{method: post, path: "/reports/{id}/messages", op: "createReportMessage", tag: "reports", summary: "Answer a reporter (CSIRT, admins)",
			doc:  "The reporter reads the answer with their follow-up code. The first answer to a new report moves it to in_triage. A member who filed the report adds information as its reporter.",
			body: reportMessageCreateJSON{}, status: http.StatusCreated, resp: reportMessageJSON{}, handle: h.createReportMessage},
		{method: get, path: "/reports/{id}/attachments/{sha256}", op: "getReportAttachment", tag: "reports", summary: "Download a file attached to a report",
			doc:    "The content as stored, always as a download (Content-Disposition: attachment, X-Content-Type-Options: nosniff); its type is the sniffed one when harmless, else application/octet-stream. Readable by whoever may read the report.",
			status: http.StatusOK, binary: true, handle: h.getReportAttachment},

		{method: get, path: "/incidents", op: "listIncidents", tag: "incidents", summary: "Incidents, newest first",
			doc: "The CSIRT sees every incident; admins, managers and auditors every one except TLP:RED and AMBER+STRICT incidents they were not added to; members only those they were added to.",
			params: []param{
				{name: "phase", typ: "string", enum: "phase", doc: "Only incidents in this phase."},
			},
			list: true, status: http.StatusOK, resp: incidentJSON{}, handle: h.listIncidents},
		{method: post, path: "/incidents", op: "createIncident", tag: "incidents", summary: "Open an incident (CSIRT, admins)",
			doc:  "The incident starts in discovery; its number comes from the year's counter.",
			body: incidentCreateJSON{}, status: http.StatusCreated, resp: incidentJSON{}, handle: h.createIncident},
		{method: get, path: "/incidents/{id}", op: "getIncident", tag: "incidents", summary: "One incident",
			status: http.StatusOK, resp: incidentJSON{}, handle: h.getIncident},
		{method: patch, path: "/incidents/{id}", op: "updateIncident", tag: "incidents", summary: "Change an incident (CSIRT, admins)",
			doc:  "JSON merge-patch (RFC 7396): fields left out stay as they are; null owner_id unassigns. The priority follows impact and urgency.",
			body: incidentPatchJSON{}, status: http.StatusOK, resp: incidentJSON{}, handle: h.updateIncident},
		{method: post, path: "/incidents/{id}/transitions", op: "transitionIncident", tag: "incidents", summary: "Move an incident to another phase (CSIRT, admins)",
			doc:  "Phases move one step forward or one step back; a closed incident only by reopen. A refused move is a 422 naming the reason.",
			body: transitionJSON{}, status: http.StatusOK, resp: incidentJSON{}, handle: h.transitionIncident},
		{method: get, path: "/incidents/{id}/ooda", op: "listOODASteps", tag: "incidents", summary: "The OODA record in time order, with derived loops and durations",
			status: http.StatusOK, resp: []oodaStepJSON{}, handle: h.listOODA},
		{method: post, path: "/incidents/{id}/ooda", op: "createOODAStep", tag: "incidents", summary: "Record an OODA step (CSIRT, admins)",
			body: oodaStepCreateJSON{}, status: http.StatusCreated, resp: oodaStepJSON{}, handle: h.createOODAStep},
		{method: get, path: "/incidents/{id}/members", op: "listIncidentMembers", tag: "incidents", summary: "The people explicitly added to an incident",
			status: http.StatusOK, resp: []incidentMemberJSON{}, handle: h.listIncidentMembers},
		{method: post, path: "/incidents/{id}/members", op: "addIncidentMember", tag: "incidents", summary: "Add a person to an incident (CSIRT, admins)",
			doc:  "On a TLP:RED or AMBER+STRICT incident, membership is what lets a person other than the CSIRT see it.",
			body: incidentMemberCreateJSON{}, status: http.StatusNoContent, handle: h.addIncidentMember},
		{method: del, path: "/incidents/{id}/members/{user}", op: "removeIncidentMember", tag: "incidents", summary: "Take a person off an incident (CSIRT, admins)",
			status: http.StatusNoContent, handle: h.removeIncidentMember},
		{method: get, path: "/incidents/{id}/events", op: "listIncidentEvents", tag: "incidents", summary: "The incident's timeline, oldest first",
			status: http.StatusOK, resp: []incidentEventJSON{}, handle: h.listIncidentEvents},
		{method: post, path: "/incidents/{id}/notes", op: "createIncidentNote", tag: "incidents", summary: "Write a note to the incident's timeline (CSIRT, admins)",
			body: incidentNoteCreateJSON{}, status: http.StatusCreated, resp: incidentEventJSON{}, handle: h.createIncidentNote},

		{method: get, path: "/audit", op: "listAuditEntries", tag: "audit", summary: "The audit log, newest first (admins, auditors)",
			params: []param{
				{name: "actor_id", typ: "uuid", doc: "Only entries by this user."},
				{name: "action", typ: "string", doc: "Only actions starting with this text, e.g. user. or user.create."},
				{name: "entity", typ: "string", doc: "Only entries about this kind of record, e.g. user."},
				{name: "entity_id", typ: "string", doc: "Only entries about this record."},
				{name: "since", typ: "date-time", doc: "Only entries at or after this time (RFC 3339)."},
				{name: "until", typ: "date-time", doc: "Only entries before this time (RFC 3339)."},
			},
			list: true, status: http.StatusOK, resp: auditJSON{}, handle: h.listAudit},
	}
}
