package api

import (
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
	"github.com/hikeshi/hikeshi/internal/web"
)

// TestFlow runs issue 3's whole incident flow on both engines: an employee
// reports anonymously through the public web form, the CSIRT triages the
// report and opens an incident through the API, answers the reporter, gives
// the IT department a task (and, on the AMBER pass, applies a playbook),
// records the first response, an IT member completes the task, the incident
// goes through containment and recovery, closing is refused until the
// post-incident review with two lessons is completed, and the incident is
// closed with its SLA clocks stopped; the audit log holds every step without
// the incident's words, and the reporter reads the CSIRT's answer on the
// follow-up page. The RED pass is shorter and checks who may not see what.
//
// Every API response is checked against the OpenAPI document (env.do).
func TestFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFlowEnv(t, db)
		t.Run("AMBER", func(t *testing.T) { f.with(t).run(hikeshi.TLPAmber) })
		t.Run("RED", func(t *testing.T) { f.with(t).run(hikeshi.TLPRed) })
	})
}

// flowEnv is the API and the web UI on one mux over real services, with the
// organisation of the flow: four departments and a person in each role.
type flowEnv struct {
	t   *testing.T
	e   *env
	srv *httptest.Server // the same mux, for the browser

	csirtDept, it, sales, mgmt departmentJSON
	csirt, itMember            userJSON

	csirtToken, itToken, salesToken, managerToken, auditorToken string
}

func newFlowEnv(t *testing.T, db *store.DB) *flowEnv {
	t.Helper()
	e := newEnv(t, db)
	ui, err := web.New(web.Options{Services: e.svc})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	// Both transports on one mux, as the server mounts them.
	mux := http.NewServeMux()
	e.h.Register(mux)
	ui.Register(mux)
	e.mux = httpx.RequestIDs(mux)
	srv := httptest.NewServer(e.mux)
	t.Cleanup(srv.Close)

	f := &flowEnv{t: t, e: e, srv: srv}
	admin := e.adminToken
	dept := func(name, kind string) departmentJSON {
		var d departmentJSON
		e.do(req{method: "POST", path: "/api/v1/departments", token: admin, body: map[string]string{"name": name, "kind": kind}}).
			want(http.StatusCreated).into(&d)
		return d
	}
	f.csirtDept, f.it, f.sales, f.mgmt = dept("CSIRT", "csirt"), dept("情報システム部", "it"), dept("営業部", "business_unit"), dept("経営企画部", "management")
	user := func(email, role, deptID string) (userJSON, string) {
		var u userJSON
		e.do(req{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": email, "name": email,
			"role": role, "department_id": deptID}}).want(http.StatusCreated).into(&u)
		_, secret := e.tokenFor(u.ID)
		return u, secret
	}
	f.csirt, f.csirtToken = user("csirt@example.org", "csirt", f.csirtDept.ID)
	f.itMember, f.itToken = user("it@example.org", "member", f.it.ID)
	_, f.salesToken = user("sales@example.org", "member", f.sales.ID)
	_, f.managerToken = user("manager@example.org", "manager", f.mgmt.ID)
	_, f.auditorToken = user("auditor@example.org", "auditor", f.mgmt.ID)
	return f
}

func (f *flowEnv) with(t *testing.T) *flowEnv {
	c := *f
	c.t, c.e = t, f.e.with(t)
	return &c
}

// browser is an anonymous visitor's browser: a cookie jar, redirects not
// followed, forms posted from the same origin.
type browser struct {
	base string
	c    *http.Client
}

func (f *flowEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) send(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	r.Header.Set("Accept-Language", "ja")
	res, err := b.c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s %s: Content-Type %q", r.Method, r.URL.Path, ct)
	}
	return res.StatusCode, string(body)
}

func (b *browser) get(t *testing.T, path string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.send(t, r)
}

// post sends a form as a browser on the page's own origin does.
func (b *browser) post(t *testing.T, path string, form url.Values, origin string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", origin)
	if origin == b.base {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	return b.send(t, r)
}

var (
	flowTokenField  = regexp.MustCompile(`name="token" value="([^"]+)"`)
	flowCodeField   = regexp.MustCompile(`id="followup-code"[^>]*value="([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})"`)
	flowReportNumRe = regexp.MustCompile(`RPT-\d{4}-\d{4,}`)
)

// report files an anonymous report through the employee form and returns
// its number and follow-up code.
func (f *flowEnv) report(b *browser, description string) (number, code string) {
	t := f.t
	t.Helper()
	status, page := b.get(t, "/report")
	if status != http.StatusOK {
		t.Fatalf("GET /report: %d\n%s", status, page)
	}
	m := flowTokenField.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `name="anonymous"`) {
		t.Fatalf("the report form has no submission token or anonymity choice:\n%s", page)
	}
	form := url.Values{"token": {m[1]}, "description": {description}, "anonymous": {"1"}, "contact": {"内線 1234"}}
	// Another site posting the form is refused and files nothing.
	if status, _ := b.post(t, "/report", form, "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("a cross-site report form got %d, want 403", status)
	}
	status, page = b.post(t, "/report", form, b.base)
	if status != http.StatusOK {
		t.Fatalf("POST /report: %d\n%s", status, page)
	}
	c := flowCodeField.FindStringSubmatch(page)
	n := flowReportNumRe.FindString(page)
	if c == nil || n == "" {
		t.Fatalf("the thank-you page shows no follow-up code or number:\n%s", page)
	}
	return n, c[1]
}

// within fails unless ts is set and lies in [from, to], give or take the
// storage precision: set by the workflow at the request, not typed.
func within(t *testing.T, name string, ts *time.Time, from, to time.Time) {
	t.Helper()
	if ts == nil {
		t.Errorf("%s is not set", name)
		return
	}
	if ts.Before(from.Add(-time.Second)) || ts.After(to.Add(time.Second)) {
		t.Errorf("%s = %v, not the time of the request (%v … %v)", name, ts, from, to)
	}
}

// transition moves the incident and checks it arrived.
func (f *flowEnv) transition(id, to string) (incidentJSON, time.Time, time.Time) {
	f.t.Helper()
	var inc incidentJSON
	from := time.Now()
	f.e.do(req{method: "POST", path: "/api/v1/incidents/" + id + "/transitions", token: f.csirtToken,
		body: map[string]string{"to": to, "note": "→ " + to}}).want(http.StatusOK).into(&inc)
	if inc.Phase != to {
		f.t.Fatalf("moved to %s, incident is in %s", to, inc.Phase)
	}
	return inc, from, time.Now()
}

func (f *flowEnv) run(tlp hikeshi.TLP) {
	t, e := f.t, f.e
	full := tlp == hikeshi.TLPAmber // the AMBER pass is the long one
	red := tlp.Restricted()
	id := hikeshi.NewID()
	marker := id[len(id)-12:] // makes every text of this pass unique
	title := "請求書を装ったフィッシング " + string(tlp) + " " + marker
	description := "請求書を装ったメールのリンクを開いてしまいました <script>alert(1)</script> " + marker
	answer := "ご報告ありがとうございます。対応を始めました " + marker
	taskTitle := "メールゲートウェイで送信元を遮断 " + marker
	rootCause := "添付ファイルの検査が無効だった " + marker
	lessonTexts := []string{"ゲートウェイの検査を確認する " + marker, "訓練で請求書詐欺を扱う " + marker}
	incPath := func(rest string) string { return "/api/v1/incidents/" + rest }

	// 1. An employee reports anonymously through the public form.
	b := f.browser()
	number, code := f.report(b, description)

	// 2. The CSIRT finds it in the triage queue; nothing identifies the sender.
	var queue listJSON[triageQueueItemJSON]
	e.get("/api/v1/triage?limit=500", f.csirtToken).want(http.StatusOK).into(&queue)
	var repID string
	for _, it := range queue.Items {
		if it.Number == number {
			repID = it.ID
			if it.Status != "new" || it.Source != "employee" || it.Triage.Decision != nil || !strings.Contains(it.Excerpt, marker) {
				t.Errorf("queued %+v", it)
			}
		}
	}
	if repID == "" {
		t.Fatalf("report %s is not in the triage queue: %+v", number, queue.Items)
	}
	var rep reportDetailJSON
	e.get("/api/v1/reports/"+repID, f.csirtToken).want(http.StatusOK).into(&rep)
	if !rep.Anonymous || rep.ReporterID != nil || rep.Contact != nil || rep.Description != description || len(rep.Messages) != 0 {
		t.Errorf("anonymous report %+v", rep)
	}
	e.get("/api/v1/triage", f.itToken).problem(kindForbidden)

	// 3. Classification.
	var rt reportTriageJSON
	e.do(req{method: "PUT", path: "/api/v1/triage/reports/" + repID, token: f.csirtToken, body: map[string]any{
		"category": "phishing", "impact": 2, "urgency": 1, "tlp": string(tlp), "owner_id": f.csirt.ID, "policy": "full_response"}}).
		want(http.StatusOK).into(&rt)
	if rt.Report.Status != "in_triage" || rt.Triage.Category == nil || *rt.Triage.Category != "phishing" || rt.Triage.TLP == nil ||
		*rt.Triage.TLP != string(tlp) || rt.Triage.Priority == nil || rt.Triage.ClassifiedAt == nil || len(rt.History) != 1 {
		t.Fatalf("classified %+v", rt)
	}

	// 4. Decision: a new incident with the triage classification, the report linked.
	var res decisionResultJSON
	e.do(req{method: "POST", path: "/api/v1/triage/reports/" + repID + "/decisions", token: f.csirtToken,
		body: map[string]any{"decision": "new_incident", "title": title}}).want(http.StatusCreated).into(&res)
	if res.Incident == nil || res.Record.Action != "new_incident" || res.Record.IncidentID == nil || *res.Record.IncidentID != res.Incident.ID {
		t.Fatalf("decision %+v", res)
	}
	inc := *res.Incident
	if inc.Title != title || inc.Category != "phishing" || inc.Impact != 2 || inc.Urgency != 1 || inc.Priority != *rt.Triage.Priority ||
		inc.TLP != string(tlp) || inc.Phase != "discovery" || inc.OwnerID == nil || *inc.OwnerID != f.csirt.ID || inc.Summary != description ||
		inc.TriagedAt == nil || !inc.TriagedAt.Equal(inc.CreatedAt) || inc.FirstResponseAt != nil || inc.ContainedAt != nil || inc.RecoveredAt != nil || inc.ClosedAt != nil {
		t.Errorf("incident from triage %+v", inc)
	}
	// It reached the CSIRT when the report arrived, not when the incident was opened.
	if !inc.ReportedAt.Equal(rep.ReportedAt) || !inc.ReportedAt.Before(inc.CreatedAt) || inc.NoticedAt != nil {
		t.Errorf("incident reported %v, noticed %v; the report arrived %v, the incident was opened %v",
			inc.ReportedAt, inc.NoticedAt, rep.ReportedAt, inc.CreatedAt)
	}
	var got incidentJSON
	e.get(incPath(inc.ID), f.csirtToken).want(http.StatusOK).into(&got)
	if got.ID != inc.ID || got.Number != inc.Number || got.TLP != string(tlp) {
		t.Errorf("GET incident %+v", got)
	}
	var links incidentLinksJSON
	e.get(incPath(inc.ID+"/links"), f.csirtToken).want(http.StatusOK).into(&links)
	if len(links.Reports) != 1 || links.Reports[0].ID != repID || links.Reports[0].Number != number {
		t.Errorf("links %+v", links)
	}
	e.get("/api/v1/triage/reports/"+repID, f.csirtToken).want(http.StatusOK).into(&rt)
	if rt.Report.Status != "closed" || rt.Triage.Decision == nil || *rt.Triage.Decision != "new_incident" || rt.Triage.IncidentID == nil ||
		*rt.Triage.IncidentID != inc.ID || len(rt.History) != 2 {
		t.Errorf("report after the decision %+v", rt)
	}
	e.get("/api/v1/triage?limit=500", f.csirtToken).want(http.StatusOK).into(&queue)
	if slices.ContainsFunc(queue.Items, func(it triageQueueItemJSON) bool { return it.ID == repID }) {
		t.Errorf("the decided report is still queued")
	}

	// 5. The CSIRT answers the reporter.
	var msg reportMessageJSON
	e.do(req{method: "POST", path: "/api/v1/reports/" + repID + "/messages", token: f.csirtToken, body: map[string]string{"body": answer}}).
		want(http.StatusCreated).into(&msg)
	if msg.Author != "csirt" || msg.Body != answer || msg.AuthorID == nil || *msg.AuthorID != f.csirt.ID {
		t.Errorf("answer %+v", msg)
	}

	// 6. Initial response: triaged_at stays the triage decision's, set by
	// the workflow when the decision opened the incident.
	triaged := *inc.TriagedAt
	inc, from, to := f.transition(inc.ID, "initial_response")
	if inc.TriagedAt == nil || !inc.TriagedAt.Equal(triaged) {
		t.Errorf("entering initial response moved triaged_at from %v to %v", triaged, inc.TriagedAt)
	}

	// 7. A task for the IT department, to a member of it.
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	var task taskJSON
	e.do(req{method: "POST", path: incPath(inc.ID + "/tasks"), token: f.csirtToken, body: map[string]any{
		"title": taskTitle, "description": "送信元ドメインとリンク先を遮断してください。", "department_id": f.it.ID,
		"assignee_id": f.itMember.ID, "due_at": due.Format(time.RFC3339)}}).want(http.StatusCreated).into(&task)
	if task.Status != "open" || task.DepartmentID != f.it.ID || task.AssigneeID == nil || *task.AssigneeID != f.itMember.ID ||
		task.DueAt == nil || !task.DueAt.Equal(due) || task.Incident.ID != inc.ID || task.Incident.Limited || !task.CanEdit ||
		task.Incident.Title == nil || *task.Incident.Title != title || task.CompletedAt != nil || task.PlaybookKey != nil {
		t.Errorf("created task %+v", task)
	}
	tasks := []string{task.ID}
	if full {
		// …and the phishing playbook's tasks, each to the department of its kind.
		var sugg []playbookJSON
		e.get(incPath(inc.ID+"/playbooks"), f.csirtToken).want(http.StatusOK).into(&sugg)
		if !slices.ContainsFunc(sugg, func(p playbookJSON) bool { return p.Key == "phishing" }) {
			t.Errorf("phishing is not suggested: %+v", sugg)
		}
		var pb playbookJSON
		e.get("/api/v1/playbooks/phishing", f.csirtToken).want(http.StatusOK).into(&pb)
		want := map[string]int{}
		byKind := map[string]string{"csirt": f.csirtDept.ID, "it": f.it.ID, "business_unit": f.sales.ID, "management": f.mgmt.ID}
		for _, pt := range pb.Tasks {
			want[byKind[pt.Kind]]++
		}
		var made []taskJSON
		e.do(req{method: "POST", path: incPath(inc.ID + "/playbooks/phishing/apply"), token: f.csirtToken, body: map[string]any{"locale": "ja"}}).
			want(http.StatusCreated).into(&made)
		gotDepts := map[string]int{}
		for _, m := range made {
			gotDepts[m.DepartmentID]++
			if m.PlaybookKey == nil || *m.PlaybookKey != "phishing" || m.Status != "open" || m.Incident.ID != inc.ID {
				t.Errorf("playbook task %+v", m)
			}
			tasks = append(tasks, m.ID)
		}
		if len(made) != len(pb.Tasks) || len(made) == 0 || !maps.Equal(want, gotDepts) {
			t.Errorf("playbook made %d tasks by department %v, want %d by %v", len(made), gotDepts, len(pb.Tasks), want)
		}
	}
	var incTasks []taskJSON
	e.get(incPath(inc.ID+"/tasks"), f.csirtToken).want(http.StatusOK).into(&incTasks)
	if len(incTasks) != len(tasks) || incTasks[0].ID != task.ID {
		t.Errorf("incident tasks: %d, want %d", len(incTasks), len(tasks))
	}

	// 8. OODA: the act step is the first response.
	kinds := []string{"act"}
	if full {
		kinds = []string{"observe", "orient", "decide", "act"}
	}
	from = time.Now()
	for _, k := range kinds {
		e.do(req{method: "POST", path: incPath(inc.ID + "/ooda"), token: f.csirtToken,
			body: map[string]string{"kind": k, "text": k + " " + marker}}).want(http.StatusCreated)
	}
	to = time.Now()
	e.get(incPath(inc.ID), f.csirtToken).want(http.StatusOK).into(&inc)
	within(t, "first_response_at", inc.FirstResponseAt, from, to)
	var steps []oodaStepJSON
	e.get(incPath(inc.ID+"/ooda"), f.csirtToken).want(http.StatusOK).into(&steps)
	if len(steps) != len(kinds) {
		t.Fatalf("OODA record %+v", steps)
	}
	for i, s := range steps {
		if s.Kind != kinds[i] || s.Loop != 1 || s.AuthorID == nil || *s.AuthorID != f.csirt.ID {
			t.Errorf("step %d %+v", i, s)
		}
	}

	// 9. The IT member sees the task in their inbox, with as much of the
	// incident as the TLP allows, and not the incident itself.
	seeTask := func(who string, v taskJSON, raw []byte) {
		t.Helper()
		c := v.Incident
		if c.ID != inc.ID || c.Number != inc.Number || c.TLP != string(tlp) || c.CanOpen || v.Title != taskTitle {
			t.Errorf("%s: task %+v", who, v)
		}
		if red {
			if !c.Limited || c.Title != nil || c.Phase != nil || c.Priority != nil || strings.Contains(string(raw), title) {
				t.Errorf("%s: the RED incident's context is not limited: %s", who, raw)
			}
		} else if c.Limited || c.Title == nil || *c.Title != title || c.Phase == nil || *c.Phase != inc.Phase || c.Priority == nil {
			t.Errorf("%s: the %s incident's context is withheld: %+v", who, tlp, c)
		}
	}
	var inbox listJSON[taskJSON]
	r := e.get("/api/v1/tasks?limit=500", f.itToken).want(http.StatusOK)
	r.into(&inbox)
	i := slices.IndexFunc(inbox.Items, func(v taskJSON) bool { return v.ID == task.ID })
	if i < 0 {
		t.Fatalf("the IT member's inbox lacks the task: %s", r.body)
	}
	seeTask("IT member's inbox", inbox.Items[i], r.body)
	if it := inbox.Items[i]; it.CanEdit || !slices.Contains(it.Allowed, "done") || slices.Contains(it.Allowed, "cancelled") {
		t.Errorf("the IT member may %v, edit %v", it.Allowed, it.CanEdit)
	}
	var one taskJSON
	r = e.get("/api/v1/tasks/"+task.ID, f.itToken).want(http.StatusOK)
	r.into(&one)
	seeTask("IT member", one, r.body)
	e.get(incPath(inc.ID), f.itToken).problem(kindNotFound)
	e.get(incPath(inc.ID+"/tasks"), f.itToken).problem(kindNotFound)
	e.do(req{method: "PATCH", path: "/api/v1/tasks/" + task.ID, token: f.itToken, body: `{"title":"x"}`}).problem(kindForbidden)

	// A member of another department sees nothing of it.
	r = e.get("/api/v1/tasks?limit=500", f.salesToken).want(http.StatusOK)
	r.into(&inbox)
	if slices.ContainsFunc(inbox.Items, func(v taskJSON) bool { return v.ID == task.ID }) || strings.Contains(string(r.body), taskTitle) {
		t.Errorf("another department's inbox shows the IT task: %s", r.body)
	}
	e.get("/api/v1/tasks/"+task.ID, f.salesToken).problem(kindNotFound)
	e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: f.salesToken, body: map[string]string{"status": "done"}}).
		problem(kindNotFound)
	e.get(incPath(inc.ID), f.salesToken).problem(kindNotFound)

	// 10. The IT member completes the task.
	if full {
		e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: f.itToken, body: map[string]string{"status": "in_progress"}}).
			want(http.StatusOK).into(&one)
		if one.Status != "in_progress" || one.CompletedAt != nil {
			t.Errorf("started %+v", one)
		}
	}
	from = time.Now()
	r = e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: f.itToken,
		body: map[string]string{"status": "done", "note": "遮断しました " + marker}}).want(http.StatusOK)
	r.into(&one)
	to = time.Now()
	if one.Status != "done" || one.Note != "遮断しました "+marker {
		t.Errorf("done %+v", one)
	}
	within(t, "completed_at", one.CompletedAt, from, to)
	seeTask("IT member after completing", one, r.body)
	e.get(incPath(inc.ID+"/tasks"), f.csirtToken).want(http.StatusOK).into(&incTasks)
	if incTasks[0].ID != task.ID || incTasks[0].Status != "done" || incTasks[0].CompletedAt == nil {
		t.Errorf("the CSIRT sees %+v", incTasks[0])
	}

	// 11. Containment and recovery: the timestamps are the workflow's, and
	// cannot be typed in.
	wantField(t, e.do(req{method: "POST", path: incPath(inc.ID + "/transitions"), token: f.csirtToken,
		body: map[string]string{"to": "recovery", "contained_at": "2020-01-01T00:00:00Z"}}).problem(kindBadRequest), "contained_at", "unknown_field")
	wantField(t, e.do(req{method: "PATCH", path: incPath(inc.ID), token: f.csirtToken,
		body: map[string]string{"recovered_at": "2020-01-01T00:00:00Z"}}).problem(kindBadRequest), "recovered_at", "unknown_field")
	inc, from, to = f.transition(inc.ID, "recovery")
	within(t, "contained_at", inc.ContainedAt, from, to)
	if inc.RecoveredAt != nil {
		t.Errorf("recovered_at set on entering recovery: %v", inc.RecoveredAt)
	}
	contained := *inc.ContainedAt
	inc, from, to = f.transition(inc.ID, "recurrence_prevention")
	within(t, "recovered_at", inc.RecoveredAt, from, to)
	if inc.ContainedAt == nil || !inc.ContainedAt.Equal(contained) || inc.ClosedAt != nil {
		t.Errorf("after recovery %+v", inc)
	}

	// 12. Closing needs every task finished (the playbook's other tasks
	// would otherwise stay in departments' inboxes) and the completed review.
	if len(tasks) > 1 {
		p := e.do(req{method: "POST", path: incPath(inc.ID + "/transitions"), token: f.csirtToken, body: map[string]string{"to": "closed"}}).problem(kindValidation)
		wantField(t, p, "to", "tasks_open")
		for _, id := range tasks[1:] {
			e.do(req{method: "POST", path: "/api/v1/tasks/" + id + "/status", token: f.csirtToken,
				body: map[string]string{"status": "cancelled", "note": "not needed here"}}).want(http.StatusOK)
		}
	}
	p := e.do(req{method: "POST", path: incPath(inc.ID + "/transitions"), token: f.csirtToken, body: map[string]string{"to": "closed"}}).problem(kindValidation)
	wantField(t, p, "to", "review_required")
	e.get(incPath(inc.ID), f.csirtToken).want(http.StatusOK).into(&got)
	if got.Phase != "recurrence_prevention" || got.ClosedAt != nil {
		t.Errorf("a refused close changed the incident: %+v", got)
	}

	// 13. The post-incident review with two lessons.
	var rv reviewJSON
	e.do(req{method: "PUT", path: incPath(inc.ID + "/review"), token: f.csirtToken, body: map[string]any{
		"root_cause": rootCause, "went_well": "早い報告 " + marker, "to_change": "検査を有効にする " + marker,
		"factors": []string{"technology", "process"}, "participants": []string{f.csirt.ID, f.itMember.ID}}}).want(http.StatusOK).into(&rv)
	if rv.Status != "draft" || rv.IncidentID != inc.ID || rv.RootCause != rootCause || len(rv.Participants) != 2 || rv.CompletedAt != nil {
		t.Errorf("draft review %+v", rv)
	}
	var lessons []lessonJSON
	for i, body := range []map[string]any{
		{"text": lessonTexts[0], "proposed_change": "検査設定の定期確認", "kind": "technical", "department_id": f.it.ID},
		{"text": lessonTexts[1], "proposed_change": "年次訓練に追加", "kind": "training"},
	} {
		var l lessonJSON
		e.do(req{method: "POST", path: incPath(inc.ID + "/lessons"), token: f.csirtToken, body: body}).want(http.StatusCreated).into(&l)
		if l.Status != "proposed" || l.ReviewID != rv.ID || l.IncidentID != inc.ID || l.Text != lessonTexts[i] {
			t.Errorf("lesson %+v", l)
		}
		lessons = append(lessons, l)
	}
	e.do(req{method: "POST", path: incPath(inc.ID + "/review/complete"), token: f.itToken}).problem(kindNotFound)
	from = time.Now()
	e.do(req{method: "POST", path: incPath(inc.ID + "/review/complete"), token: f.csirtToken}).want(http.StatusOK).into(&rv)
	to = time.Now()
	if rv.Status != "completed" || rv.CompletedBy == nil || *rv.CompletedBy != f.csirt.ID {
		t.Errorf("completed review %+v", rv)
	}
	within(t, "review completed_at", rv.CompletedAt, from, to)
	var ls []lessonJSON
	e.get(incPath(inc.ID+"/lessons"), f.csirtToken).want(http.StatusOK).into(&ls)
	if len(ls) != 2 || ls[0].ID != lessons[0].ID || ls[1].ID != lessons[1].ID {
		t.Errorf("incident lessons %+v", ls)
	}

	// 14. Closed.
	inc, from, to = f.transition(inc.ID, "closed")
	within(t, "closed_at", inc.ClosedAt, from, to)
	e.get(incPath(inc.ID), f.csirtToken).want(http.StatusOK).into(&got)
	if got.Phase != "closed" || got.ClosedAt == nil || !got.ClosedAt.Equal(*inc.ClosedAt) || got.TriagedAt == nil ||
		got.FirstResponseAt == nil || got.ContainedAt == nil || got.RecoveredAt == nil {
		t.Errorf("closed incident %+v", got)
	}
	var events []incidentEventJSON
	e.get(incPath(inc.ID+"/events"), f.csirtToken).want(http.StatusOK).into(&events)
	var phases []string
	for _, ev := range events {
		if ev.Kind == "phase" && ev.ToPhase != nil {
			phases = append(phases, *ev.ToPhase)
		}
	}
	if want := []string{"initial_response", "recovery", "recurrence_prevention", "closed"}; !slices.Equal(phases, want) {
		t.Errorf("timeline phases %v, want %v (a refused close leaves no entry)", phases, want)
	}

	// 15. The SLA clocks count from the report's arrival, are stopped by the
	// workflow's timestamps, and are met.
	var ic incidentClocksJSON
	e.get(incPath(inc.ID+"/clocks"), f.csirtToken).want(http.StatusOK).into(&ic)
	stops := map[string]*time.Time{"sla_triage": got.TriagedAt, "sla_first_response": got.FirstResponseAt, "sla_containment": got.ContainedAt}
	if len(ic.Clocks) != len(stops) {
		t.Errorf("clocks %+v, want the three SLA clocks", ic.Clocks)
	}
	for _, c := range ic.Clocks {
		stop, ok := stops[c.Kind]
		if !ok || c.Regulatory || c.State != "met" || c.StoppedAt == nil || !c.StoppedAt.Equal(*stop) || c.WithdrawnAt != nil ||
			!c.StartedAt.Equal(got.ReportedAt) {
			t.Errorf("clock %s: %+v (incident %+v)", c.Kind, c, got)
		}
		delete(stops, c.Kind)
	}
	if len(stops) != 0 {
		t.Errorf("missing clocks: %v", stops)
	}

	// 16. Who sees what now. On AMBER the manager reads the incident, its
	// tasks, review and lessons; on RED a manager who is not a member gets
	// 404 for each, while the IT member still sees the limited task.
	seen := http.StatusOK
	if red {
		seen = http.StatusNotFound
	}
	for _, path := range []string{incPath(inc.ID), incPath(inc.ID + "/tasks"), incPath(inc.ID + "/review"), incPath(inc.ID + "/lessons"),
		incPath(inc.ID + "/clocks"), incPath(inc.ID + "/events"), "/api/v1/lessons/" + lessons[0].ID} {
		if r := e.get(path, f.managerToken).want(seen); red && strings.Contains(string(r.body), title) {
			t.Errorf("manager's %s shows the RED title", path)
		}
	}
	for _, path := range []string{"/api/v1/incidents?limit=500", "/api/v1/lessons?limit=500"} {
		body := string(e.get(path, f.managerToken).want(http.StatusOK).body)
		if strings.Contains(body, inc.ID) != !red {
			t.Errorf("manager's %s lists the incident: %v, want %v", path, strings.Contains(body, inc.ID), !red)
		}
	}
	r = e.get("/api/v1/tasks/"+task.ID, f.itToken).want(http.StatusOK)
	r.into(&one)
	seeTask("IT member after closing", one, r.body)
	if red {
		// A manager not added to the RED incident and not of the task's
		// department sees none of it, its tasks included.
		e.get("/api/v1/tasks/"+task.ID, f.managerToken).problem(kindNotFound)
		e.get(incPath(inc.ID), e.adminToken).problem(kindNotFound)
	}

	// 17. The audit log holds every step, written in the step's transaction,
	// and no entry carries the incident's words or the reporter's.
	// The admin reads it on the AMBER pass, the auditor on the RED one.
	e.get("/api/v1/audit?limit=1", f.managerToken).problem(kindForbidden)
	e.get("/api/v1/audit?limit=1", f.itToken).problem(kindForbidden)
	reader := e.adminToken
	if red {
		reader = f.auditorToken
	}
	var all []auditJSON
	path := "/api/v1/audit?limit=100"
	for range 100 {
		var page listJSON[auditJSON]
		r := e.get(path, reader).want(http.StatusOK)
		r.into(&page)
		for _, words := range []string{title, description, answer, taskTitle, rootCause, lessonTexts[0], lessonTexts[1], "内線 1234"} {
			if strings.Contains(string(r.body), words) || strings.Contains(string(r.body), strings.Trim(mustJSON(t, words), `"`)) {
				t.Errorf("the audit log carries %q", words)
			}
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/audit?limit=100&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	count := map[string]int{}
	for _, a := range all {
		if a.EntityID == nil {
			continue
		}
		id := *a.EntityID
		switch {
		case id == repID, id == inc.ID, slices.Contains(tasks, id), id == rv.ID, id == lessons[0].ID, id == lessons[1].ID:
			count[a.Action]++
			if a.Action == "report.create" {
				if a.ActorID != nil || a.Via != "web" {
					t.Errorf("the anonymous report's audit entry names %v via %s", a.ActorID, a.Via)
				}
			} else if a.ActorID == nil || a.Via != "api" {
				t.Errorf("%s by %v via %s", a.Action, a.ActorID, a.Via)
			}
		}
	}
	want := map[string]int{
		"report.create": 1, "triage.classify": 1, "triage.decide": 1, "incident.create": 1, "report.message": 1,
		"incident.phase": 4, "task.create": len(tasks), "incident.ooda": len(kinds), "task.status": 1,
		"review.create": 1, "lesson.create": 2, "review.complete": 1,
	}
	if full {
		want["playbook.apply"] = 1
		want["task.status"] = 2 + len(tasks) - 1 // started and done, and the playbook's others cancelled
	}
	for action, n := range want {
		if count[action] != n {
			t.Errorf("audit entries %s: %d, want %d (all: %v)", action, count[action], n, count)
		}
	}

	// 18. The reporter reads the CSIRT's answer with the follow-up code.
	if status, page := b.get(t, "/report/status"); status != http.StatusOK || !strings.Contains(page, `action="/report/status"`) {
		t.Fatalf("GET /report/status: %d", status)
	}
	status, page := b.post(t, "/report/status", url.Values{"code": {strings.ToLower(code)}}, b.base)
	if status != http.StatusOK {
		t.Fatalf("follow-up: %d\n%s", status, page)
	}
	for _, s := range []string{number, html.EscapeString(answer), html.EscapeString(description)} {
		if !strings.Contains(page, s) {
			t.Errorf("the follow-up page lacks %q", s)
		}
	}
	if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, title) || strings.Contains(page, taskTitle) {
		t.Errorf("the follow-up page shows script or the incident's words:\n%s", page)
	}
	if status, page := b.post(t, "/report/status", url.Values{"code": {"AAAA-BBBB-CCCC-DDDD"}}, b.base); status != http.StatusNotFound ||
		strings.Contains(page, answer) {
		t.Errorf("a wrong code: %d", status)
	}
}
