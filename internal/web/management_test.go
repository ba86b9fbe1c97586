package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestManagementPages plans a management review in the browser with hostile
// input, reads its compiled inputs, holds it, records a decision that opens a
// corrective action, prints and closes it; every role reads and only
// planners change anything.
func TestManagementPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	clearLocale(t, e, "manager")
	clearLocale(t, e, "member")
	clearLocale(t, e, "auditor")
	mgr := e.login("manager", "en")
	today := e.clock.Now().Format(hikeshi.DateLayout)
	from := e.clock.Now().AddDate(0, -3, 0).Format(hikeshi.DateLayout)

	res := mgr.get("/isms/management-reviews")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Management reviews", "Plan the review", `name="period_from"`)

	form := url.Values{"title": {"Q2 review <script>alert(1)</script>"}, "period_from": {from}, "period_to": {today}, "meeting_date": {today},
		"chair_id": {e.user("manager").ID}, "attendee_ids": {e.user("admin").ID, e.user("csirt").ID}, "issues": {"New law <b>APPI</b>"},
		"feedback": {"Customers asked for faster answers"}}
	bad := func(k, v string, want ...string) {
		t.Helper()
		b := url.Values{}
		for k2, v2 := range form {
			b[k2] = v2
		}
		b.Set(k, v)
		res := mgr.post("/isms/management-reviews", b)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, append(want, "Q2 review &lt;script&gt;alert(1)&lt;/script&gt;")...)
	}
	bad("period_to", "2000-01-01", "The end is before the start.")
	bad("period_from", "yesterday", "Enter a date like 2026-05-01.", "yesterday")
	bad("chair_id", hikeshi.NewID(), "Choose one of the options.")
	bad("attendee_ids", "<script>", "Choose one of the options.")
	if strings.Contains(mgr.post("/isms/management-reviews", url.Values{"title": {"<script>alert(1)</script>"}}).body, "<script>alert(1)") {
		t.Error("script echoed unescaped")
	}

	// Members and auditors may not plan.
	member, auditor := e.login("member", "en"), e.login("auditor", "en")
	wantStatus(t, member.post("/isms/management-reviews", form), http.StatusForbidden)
	wantStatus(t, auditor.post("/isms/management-reviews", form), http.StatusForbidden)
	if strings.Contains(auditor.get("/isms/management-reviews").body, "Plan the review") {
		t.Error("the auditor is offered the form")
	}

	res = mgr.post("/isms/management-reviews", form)
	wantStatus(t, res, http.StatusSeeOther)
	path, _, _ := strings.Cut(res.header.Get("Location"), "?")
	rs, err := e.svc.Management.Reviews(ctx, sys, hikeshi.Page{})
	if err != nil || len(rs) != 1 || path != "/isms/management-reviews/"+rs[0].ID {
		t.Fatalf("created: %v %v %s", rs, err, path)
	}
	v, err := e.svc.Management.Review(ctx, sys, rs[0].ID)
	if err != nil {
		t.Fatal(err)
	}

	// The inputs appear without being typed in (the demo's incidents and reports of the period).
	res = mgr.get(path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Q2 review &lt;script&gt;", "New law &lt;b&gt;APPI&lt;/b&gt;", "(a) Status of actions from previous reviews",
		"(c) Information security performance", "(e) Results of risk assessment", "(f) Opportunities for continual improvement",
		"Incident statistics of the period", "Inputs compiled from the data of the period", "Hold the review", "Print view")
	wantContains(t, res, "Incidents opened: "+strconv.Itoa(v.Inputs.Incidents.Opened)+" · closed: "+strconv.Itoa(v.Inputs.Incidents.Closed))
	if v.Inputs.Incidents.Opened == 0 {
		t.Error("the demo's incidents are not in the inputs")
	}
	for _, c := range []*client{member, auditor} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "Hold the review") || strings.Contains(res.body, "Edit the review") {
			t.Error("a reader is offered changes")
		}
		wantStatus(t, c.post(path+"/hold", url.Values{}), http.StatusForbidden)
	}

	// A decision before the review is held is refused.
	dec := url.Values{"kind": {"resources"}, "text": {"Add one CSIRT member\nbudget next year"}, "department_id": {e.department("CSIRT").ID}, "due_date": {"2099-09-30"}}
	res = mgr.post(path+"/decisions", dec)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "The review&#39;s status does not allow this")
	wantStatus(t, mgr.post(path+"/close", url.Values{}), http.StatusConflict)

	// Hold: the inputs freeze.
	wantStatus(t, mgr.post(path+"/hold", url.Values{}), http.StatusSeeOther)
	res = mgr.get(path)
	wantContains(t, res, "Inputs frozen when the review was held", "Record the decision", "Close the review")
	if strings.Contains(res.body, "Hold the review") || strings.Contains(res.body, `name="period_from"`) {
		t.Error("a held review still offers holding or its period")
	}
	wantStatus(t, mgr.post(path+"/hold", url.Values{}), http.StatusConflict)

	// Decisions: hostile input shown again; then one that opens a corrective action.
	b := url.Values{}
	for k, v := range dec {
		b[k] = v
	}
	b.Set("due_date", "someday")
	b.Set("text", "<img src=x onerror=alert(1)>")
	res = mgr.post(path+"/decisions", b)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Enter a date like 2026-05-01.", "&lt;img src=x onerror=alert(1)&gt;")
	b.Set("due_date", "2099-09-30")
	b.Set("department_id", hikeshi.NewID())
	wantStatus(t, mgr.post(path+"/decisions", b), http.StatusUnprocessableEntity)
	wantStatus(t, auditor.post(path+"/decisions", dec), http.StatusForbidden)
	wantStatus(t, mgr.post(path+"/decisions", dec), http.StatusSeeOther)
	v, err = e.svc.Management.Review(ctx, sys, rs[0].ID)
	if err != nil || len(v.Decisions) != 1 || v.Decisions[0].Action.SourceKind != hikeshi.SourceReview {
		t.Fatalf("decision: %+v %v", v.Decisions, err)
	}
	res = member.get(path)
	wantContains(t, res, e.user("manager").Name, e.user("csirt").Name, "Add one CSIRT member", `href="/isms/actions/`+v.Decisions[0].Action.ID+`"`, "Open")

	// Minutes after the meeting; the frozen period cannot be sneaked in.
	upd := url.Values{"title": {"Q2 review"}, "meeting_date": {today}, "chair_id": {e.user("manager").ID}, "minutes": {"Agreed <u>all</u>"},
		"period_from": {"2001-01-01"}}
	wantStatus(t, mgr.post(path, upd), http.StatusSeeOther)
	v, _ = e.svc.Management.Review(ctx, sys, rs[0].ID)
	if v.Review.PeriodFrom != from || v.Review.Minutes != "Agreed <u>all</u>" || v.Review.Issues != "New law <b>APPI</b>" {
		t.Errorf("update: %+v", v.Review)
	}

	// Print view: no forms, no navigation.
	res = member.get(path + "?print=1")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Q2 review", "Agreed &lt;u&gt;all&lt;/u&gt;", "Add one CSIRT member")
	if strings.Contains(res.body, "<form") {
		t.Error("the print view has forms")
	}

	// Close.
	wantStatus(t, mgr.post(path+"/close", url.Values{}), http.StatusSeeOther)
	res = mgr.get(path)
	wantContains(t, res, "Closed")
	if strings.Contains(res.body, "Close the review") || strings.Contains(res.body, "Record the decision") {
		t.Error("a closed review offers changes")
	}
	wantStatus(t, mgr.post(path, upd), http.StatusConflict)

	// Japanese.
	ja := e.login("manager", "ja")
	wantContains(t, ja.get("/isms/management-reviews"), "マネジメントレビュー", "レビューを計画する")
	wantContains(t, ja.get(path), "期間中のインシデント統計", "インプットはレビュー実施時に確定しています")
	wantStatus(t, ja.get("/isms/management-reviews/"+hikeshi.NewID()), http.StatusNotFound)
}
