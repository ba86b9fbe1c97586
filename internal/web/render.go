package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/service"
)

//go:embed templates/*.html templates/sections/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Shared templates: every page is parsed together with these, and with every
// file under templates/sections/ (parts of pages that one area of the product
// owns, such as the tasks section of the incident page).
var sharedTemplates = []string{"templates/layout.html", "templates/partials.html", "templates/sections/*.html"}

// pages holds one parsed template set per page, all built at start-up.
type pages struct {
	sets map[string]*template.Template
}

// parsePages parses every page under templates/ with the shared layout.
func parsePages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.url,
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, sharedTemplates...)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		if isShared(n) {
			continue
		}
		set, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := set.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		name := strings.TrimSuffix(path.Base(n), ".html")
		if set.Lookup("content") == nil {
			return nil, fmt.Errorf("parse %s: the page defines no \"content\" template", n)
		}
		p.sets[name] = set
	}
	return p, nil
}

func isShared(name string) bool {
	for _, s := range sharedTemplates {
		if s == name {
			return true
		}
	}
	return false
}

// view is a page's view model; every one embeds page.
type view interface{ base() *page }

// page is what the layout needs; every view model embeds it.
type page struct {
	Lang      hikeshi.Locale
	Title     string // already translated
	User      *hikeshi.User
	Nav       []navGroup
	Active    string // key of the current navigation item
	Path      string // where the language switch returns to
	RequestID string
	Notice    string            // a translated confirmation ("Saved.")
	Alert     string            // a translated problem with the whole form or page
	Errors    map[string]string // translated messages per form field
	CanAdmin  bool              // may change accounts and departments
	CanAudit  bool              // may read the admin area and the audit log

	tr  *i18n.Translator
	loc *time.Location
}

func (p *page) base() *page { return p }

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return p.tr.T(p.Lang, key, args...) }

// Role is the localised name of a role.
func (p *page) Role(r hikeshi.Role) string { return p.T("role." + string(r)) }

// Kind is the localised name of a department kind.
func (p *page) Kind(k hikeshi.DepartmentKind) string { return p.T("kind." + string(k)) }

// LocaleName is the localised name of a saved language choice.
func (p *page) LocaleName(l hikeshi.Locale) string {
	if l == "" {
		return p.T("locale.browser")
	}
	return p.T("locale." + string(l))
}

// Time formats t in the UI's time zone; a zero time is a dash.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(p.loc).Format("2006-01-02 15:04")
}

// Err is the message for a form field, or "".
func (p *page) Err(field string) string { return p.Errors[field] }

// navGroup and navItem describe the navigation.
type navGroup struct {
	Label string
	Items []navItem
}

type navItem struct {
	Key     string
	Label   string
	Href    string // empty: not built yet ("coming")
	Badge   string // a count shown beside the label, e.g. unread notifications; "" for none
	Current bool
}

// builtAreas are the areas of comingAreas that exist: a role that may not use
// one does not see it at all, rather than as "coming".
var builtAreas = map[string]bool{"reports": true, "triage": true, "incidents": true, "tasks": true, "due": true, "lessons": true, "isms": true, "dashboard": true, "patterns": true, "alerts": true, "advisories": true, "vulnerabilities": true, "awareness": true, "analysis": true}

// areas of the navigation, in order; those not in builtAreas are still to come.
var comingAreas = []string{"dashboard", "reports", "alerts", "triage", "incidents", "tasks", "due", "lessons", "vulnerabilities", "advisories", "awareness", "analysis", "isms", "patterns"}

// fill sets the layout's fields of p for request r.
func (h *Handler) fill(r *http.Request, p *page) {
	st := h.stateOf(r)
	p.Lang, p.User, p.tr, p.loc = st.lang, st.user, h.tr, h.loc
	p.RequestID = httpx.RequestID(r.Context())
	p.Nav = nil
	p.Path = returnPath(r)
	if p.User != nil {
		a := st.actor()
		p.CanAdmin, p.CanAudit = a.CanAdminister(), a.CanReadAudit()
		var work navGroup
		work.Label = p.T("nav.group.work")
		work.Items = append(work.Items, navItem{Key: "home", Label: p.T("nav.home"), Href: "/"})
		for _, k := range comingAreas {
			it := navItem{Key: k, Label: p.T("nav." + k)}
			if k == "reports" {
				it.Href = "/reports" // every role: members see the reports they filed
			}
			if k == "alerts" && service.CanReadAlerts(a) {
				it.Href = "/alerts" // the CSIRT's queue of alert events
			}
			if k == "triage" && a.CanAnswerReports() {
				it.Href = "/triage"
			}
			if k == "incidents" && a.CanListIncidents() {
				it.Href = "/incidents" // members see incidents through their task inbox
			}
			if k == "tasks" {
				it.Href = "/tasks" // every role: the inbox of the user's department
			}
			if k == "due" && a.CanListIncidents() {
				it.Href = "/due"
			}
			if k == "lessons" && a.CanReadAll() {
				it.Href = "/lessons"
			}
			if k == "advisories" {
				it.Href = "/advisories" // every role reads the advisories published to it
			}
			if k == "vulnerabilities" && service.CanReadVulnerabilities(a) {
				it.Href = "/vulnerabilities"
			}
			if k == "awareness" {
				it.Href = "/awareness" // every role reads the campaigns sent to it
			}
			if k == "analysis" && service.CanReadAnalysis(a) {
				it.Href = "/analysis"
			}
			if k == "isms" {
				it.Href = "/isms" // every role reads the ISMS; departments edit what they own
			}
			if k == "dashboard" {
				it.Href = "/dashboard" // every role: the two loops, in counts the role may read
			}
			if k == "patterns" {
				it.Href = "/patterns" // every role reads who does what; admins change it
			}
			if it.Href == "" && builtAreas[k] {
				continue
			}
			work.Items = append(work.Items, it)
		}
		p.Nav = append(p.Nav, work)
		if p.CanAudit {
			admin := navGroup{Label: p.T("nav.group.admin"), Items: []navItem{
				{Key: "users", Label: p.T("nav.users"), Href: "/admin/users"},
				{Key: "departments", Label: p.T("nav.departments"), Href: "/admin/departments"},
				{Key: "audit", Label: p.T("nav.audit"), Href: "/admin/audit"},
				{Key: "settings", Label: p.T("nav.settings"), Href: "/admin/settings"},
			}}
			p.Nav = append(p.Nav, admin)
		}
		p.Nav = append(p.Nav, navGroup{Label: p.T("nav.group.you"), Items: []navItem{
			{Key: "notifications", Label: p.T("nav.notifications"), Href: "/notifications", Badge: h.unreadBadge(r)},
			{Key: "account", Label: p.T("nav.account"), Href: "/account"},
		}})
		for gi := range p.Nav {
			for ii := range p.Nav[gi].Items {
				it := &p.Nav[gi].Items[ii]
				it.Current = it.Key == p.Active && it.Href != ""
			}
		}
	}
	if m := r.URL.Query().Get("m"); m != "" && p.Notice == "" && h.tr.Has(i18n.Default, "notice."+m) {
		p.Notice = p.T("notice." + m)
	}
}

// unreadBadge is the signed-in user's count of unread notifications for the
// navigation: "" for none, "99+" past 99. A failure to count leaves the badge
// off rather than failing the page.
func (h *Handler) unreadBadge(r *http.Request) string {
	n, err := h.svc.Clocks.UnreadCount(r.Context(), h.stateOf(r).actor())
	switch {
	case err != nil:
		h.log.WarnContext(r.Context(), "counting unread notifications failed", "err", err)
		return ""
	case n == 0:
		return ""
	case n > 99:
		return "99+"
	}
	return strconv.Itoa(n)
}

// returnPath is where the language switch should come back to: the page
// itself for GET, else the same-origin page that sent the form, else home.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return localPath(r.URL.RequestURI())
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Host != "" {
		return localPath(ref.RequestURI())
	}
	return "/"
}

// render executes the page name with v into a buffer and writes it with
// status. Nothing is written when the template fails, so the caller's error
// path can still send a clean 500 page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) error {
	p := v.base()
	h.fill(r, p)
	if p.Title == "" {
		p.Title = p.T("title." + name)
	}
	set, ok := h.pages.sets[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	tmpl := "layout"
	if httpx.IsHTMX(r) && set.Lookup("results") != nil && r.Header.Get("HX-Target") != "" {
		tmpl = "results" // htmx asks only for the part it swaps
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, tmpl, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Add("Vary", "HX-Request")
	hd.Set("Content-Language", string(p.Lang))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	if err != nil {
		// The client went away; nothing useful can be sent any more.
		h.log.DebugContext(r.Context(), "write response", "request_id", p.RequestID, "error", err)
	}
	return nil
}

// redirect answers a form with 303 See Other, so reloading the next page
// does not re-send the form.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// assets are the embedded static files with a content hash each, so their
// URLs can be cached for a long time and still change when the file does.
type assets struct {
	files map[string]asset
}

type asset struct {
	body []byte
	hash string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.files[strings.TrimPrefix(p, "static/")] = asset{body: b, hash: hex.EncodeToString(sum[:6])}
		return nil
	})
	return a, err
}

// url returns the versioned address of a static file; templates call it as
// {{asset "app.css"}}. An unknown name fails the template at start-up tests.
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + f.hash, nil
}

// handler serves /static/. A request carrying the current version is cached
// for a year; others for five minutes.
func (a *assets) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		f, ok := a.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == f.hash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		w.Header().Set("ETag", `"`+f.hash+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}

// notice sets the page's notice from the redirect's ?n= when the area's
// catalogue has "<area>.notice.<n>" and no notice is set yet; an unknown n
// shows nothing.
func (h *Handler) notice(r *http.Request, p *page, area string) {
	if n := r.URL.Query().Get("n"); n != "" && p.Notice == "" && h.tr.Has(p.Lang, area+".notice."+n) {
		p.Notice = p.T(area + ".notice." + n)
	}
}
