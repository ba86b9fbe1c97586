package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestClosedIncidentOffersNoNewTasks: a closed incident takes no new tasks,
// so its page offers neither the add-task form nor the suggested playbooks,
// and says why; a form sent from a page opened before the close is refused
// with that reason, in the user's language, and adds nothing.
func TestClosedIncidentOffersNoNewTasks(t *testing.T) {
	e := newEnv(t)
	ctx, sys := context.Background(), hikeshi.SystemActor("test")
	closed, err := e.svc.Incidents.List(ctx, sys, hikeshi.IncidentFilter{Phase: hikeshi.PhaseClosed})
	if err != nil || len(closed) == 0 {
		t.Fatalf("the demo has no closed incident: %v", err)
	}
	inc := closed[0]
	before, err := e.svc.Tasks.ForIncident(ctx, sys, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	it := e.department("IT")
	clearLocale(t, e, "csirt")
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			why := "The incident is closed, so it takes no new tasks."
			if lang == "ja" {
				why = "インシデントは完了しているため、タスクは追加できません。"
			}
			c := e.login("csirt", lang)
			page := c.get("/incidents/" + inc.ID)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, `id="tasks-closed"`, why)
			for _, form := range []string{`action="/incidents/` + inc.ID + `/tasks"`, `/apply"`} {
				if strings.Contains(page.body, form) {
					t.Errorf("the closed incident offers the form %s", form)
				}
			}

			res := c.post("/incidents/"+inc.ID+"/tasks", url.Values{"title": {"<b>late</b>"}, "department_id": {it.ID}})
			wantStatus(t, res, http.StatusConflict)
			checkPage(t, res, lang)
			wantContains(t, res, `<div class="alert" role="alert">`+why)
			res = c.post("/incidents/"+inc.ID+"/playbooks/malware/apply", url.Values{"dept_it": {it.ID}})
			wantStatus(t, res, http.StatusConflict)
			checkPage(t, res, lang)
			wantContains(t, res, `<div class="alert" role="alert">`+why)
		})
	}
	after, err := e.svc.Tasks.ForIncident(ctx, sys, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the closed incident has %d tasks, had %d", len(after), len(before))
	}
}
