package web

import (
	"net/http"

	"github.com/hikeshi/hikeshi/internal/httpx"
)

// handlerFunc is a page handler. It returns an error instead of writing one;
// serveError maps it to a page in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may reach a route.
type access int

const (
	public   access = iota // anyone; the user is loaded when signed in
	signedIn               // a valid session, else a redirect to the sign-in page
)

// handleFunc mounts one page handler; each area of the product registers its
// routes through one (registerTriage, registerTasks …) in its own file.
type handleFunc func(pattern string, a access, fn handlerFunc)

// Register adds the UI's routes to mux. Every route gets the strict security
// headers, and state-changing requests from other origins are refused.
func (h *Handler) Register(mux *http.ServeMux) {
	var handle handleFunc = func(pattern string, a access, fn handlerFunc) {
		mux.Handle(pattern, h.route(a, fn))
	}
	mux.Handle("GET /static/", httpx.SecurityHeaders(h.assets.handler()))

	handle("GET /{$}", signedIn, h.home)
	handle("GET /login", public, h.loginForm)
	handle("POST /login", public, h.loginSubmit)
	handle("POST /logout", signedIn, h.logout)
	handle("POST /logout/all", signedIn, h.logoutAll)
	handle("POST /lang", public, h.switchLanguage)

	handle("GET /account", signedIn, h.account)
	handle("POST /account/password", signedIn, h.accountPassword)
	handle("POST /account/tokens", signedIn, h.tokenCreate)
	handle("POST /account/tokens/{id}/revoke", signedIn, h.tokenRevoke)

	handle("GET /admin", signedIn, h.adminIndex)
	handle("GET /admin/users", signedIn, h.userList)
	handle("GET /admin/users/new", signedIn, h.userNew)
	handle("POST /admin/users", signedIn, h.userCreate)
	handle("GET /admin/users/{id}", signedIn, h.userShow)
	handle("POST /admin/users/{id}", signedIn, h.userUpdate)
	handle("POST /admin/users/{id}/disable", signedIn, h.userDisable)
	handle("POST /admin/users/{id}/enable", signedIn, h.userEnable)
	handle("POST /admin/users/{id}/unlock", signedIn, h.userUnlock)
	handle("POST /admin/users/{id}/password", signedIn, h.userResetPassword)

	handle("GET /admin/departments", signedIn, h.departmentList)
	handle("POST /admin/departments", signedIn, h.departmentCreate)
	handle("GET /admin/departments/{id}", signedIn, h.departmentShow)
	handle("POST /admin/departments/{id}", signedIn, h.departmentUpdate)
	handle("POST /admin/departments/{id}/delete", signedIn, h.departmentDelete)

	handle("GET /admin/audit", signedIn, h.auditList)
	handle("GET /admin/settings", signedIn, h.reportSettings)
	handle("POST /admin/settings", signedIn, h.reportSettingsUpdate)

	// Reports from people: public intake (no session needed) and the CSIRT's pages.
	handle("GET /report", public, h.reportForm)
	handle("POST /report", public, h.reportSubmit)
	handle("GET /report/external", public, h.reportExternalForm)
	handle("POST /report/external", public, h.reportExternalSubmit)
	handle("GET /report/status", public, h.reportStatusForm)
	handle("POST /report/status", public, h.reportStatusSubmit)
	handle("GET /.well-known/security.txt", public, h.securityTxt)
	handle("GET /reports", signedIn, h.reportList)
	handle("GET /reports/{id}", signedIn, h.reportShow)
	handle("POST /reports/{id}/messages", signedIn, h.reportAnswer)
	handle("POST /reports/{id}/status", signedIn, h.reportSetStatus)
	handle("GET /reports/{id}/attachments/{sha}", signedIn, h.reportAttachment)

	// Incidents (IH-5).
	handle("GET /incidents", signedIn, h.incidentList)
	handle("GET /incidents/new", signedIn, h.incidentNew)
	handle("POST /incidents", signedIn, h.incidentCreate)
	handle("GET /incidents/{id}", signedIn, h.incidentShow)
	handle("POST /incidents/{id}/transitions", signedIn, h.incidentTransition)
	handle("POST /incidents/{id}/ooda", signedIn, h.incidentOODA)
	handle("POST /incidents/{id}", signedIn, h.incidentUpdate)
	handle("POST /incidents/{id}/notes", signedIn, h.incidentNote)
	handle("POST /incidents/{id}/members", signedIn, h.incidentAddMember)
	handle("POST /incidents/{id}/members/{user}/remove", signedIn, h.incidentRemoveMember)

	// Areas of incident handling, each in its own file.
	h.registerTriage(handle)
	h.registerTasks(handle)
	h.registerEvidence(handle)
	h.registerClocks(handle)
	h.registerReview(handle)

	// Areas of the ISMS.
	handle("GET /isms", signedIn, h.ismsIndex)
	h.registerDocuments(handle)
	h.registerRisks(handle)
	h.registerFrameworks(handle)
	h.registerChecks(handle)
	h.registerManagement(handle)

	// The joined system: patterns, improvements, the dashboard, the advisor.
	h.registerPatterns(handle)
	h.registerImprovements(handle)
	h.registerDashboard(handle)
	h.registerAdvisor(handle)
	h.registerAlerts(handle)
	h.registerAdvisories(handle)
	h.registerReporting(handle)
	h.registerVulnerabilities(handle)
	h.registerAnalysis(handle)
	h.registerAwareness(handle)

	// Everything else is a friendly 404 (in the user's language).
	mux.Handle("/", h.route(public, h.notFound))
}

// route wraps a page handler with the UI's middleware: security headers, a
// request id when the server did not give one, cross-origin protection,
// the session and the language.
func (h *Handler) route(a access, fn handlerFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := h.loadSession(w, r, a)
		if !ok {
			return
		}
		if err := fn(w, r); err != nil {
			h.serveError(w, r, err)
		}
	})
	var next http.Handler = h.cop.Handler(inner)
	next = httpx.SecurityHeaders(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpx.RequestID(r.Context()) == "" {
			httpx.RequestIDs(next).ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) error {
	return errNotFoundPage
}
