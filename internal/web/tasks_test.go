package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

var taskLink = regexp.MustCompile(`href="/tasks/([0-9a-f-]{36})"`)

// TestTaskInboxAndCompletionInBothLanguages: a member of the assigned
// department sees a RED incident's task in the inbox with the number and TLP
// but not the title, completes it on the task page, and still cannot open
// the incident; a member of another department sees nothing.
func TestTaskInboxAndCompletionInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			csirt := hikeshi.ActorFor(e.user("csirt"), "test")
			red, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "極秘の顧客情報漏えい", Category: "data-leak", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
			if err != nil {
				t.Fatal(err)
			}
			task, err := e.svc.Tasks.Create(ctx, csirt, red.ID, service.TaskInput{Title: "顧客リストの確認 <b>", DepartmentID: e.user("member").DepartmentID,
				DueAt: e.clock.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			clearLocale(t, e, "member")
			m := e.login("member", lang)
			inbox := m.get("/tasks")
			wantStatus(t, inbox, http.StatusOK)
			checkPage(t, inbox, lang)
			heading, overdue, open := "Task inbox", "Overdue", "Open"
			if lang == "ja" {
				heading, overdue, open = "タスク受信箱", "期限超過", "未着手"
			}
			wantContains(t, inbox, heading, "/tasks/"+task.ID, red.Number, "TLP:RED", "顧客リストの確認 &lt;b&gt;", overdue, open)
			if strings.Contains(inbox.body, "極秘") || strings.Contains(inbox.body, `href="/incidents/`+red.ID) {
				t.Error("the inbox shows a RED incident's title or link to a member")
			}

			page := m.get("/tasks/" + task.ID)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, `name="status" value="done"`, `name="status" value="in_progress"`, red.Number)
			if strings.Contains(page.body, "極秘") || strings.Contains(page.body, `value="cancelled"`) {
				t.Error("the task page shows the title or offers a member to cancel")
			}
			wantStatus(t, m.get("/incidents/"+red.ID), http.StatusNotFound)

			long := m.post("/tasks/"+task.ID+"/status", url.Values{"status": {"done"}, "note": {strings.Repeat("長", 1001)}})
			wantStatus(t, long, http.StatusUnprocessableEntity)
			checkPage(t, long, lang)
			res := m.post("/tasks/"+task.ID+"/status", url.Values{"status": {"done"}, "note": {"確認済み <script>x</script>"}})
			wantStatus(t, res, http.StatusSeeOther)
			done := m.get(res.header.Get("Location"))
			wantStatus(t, done, http.StatusOK)
			checkPage(t, done, lang)
			doneWord := "Done"
			if lang == "ja" {
				doneWord = "完了"
			}
			wantContains(t, done, doneWord, "確認済み &lt;script&gt;x&lt;/script&gt;", `value="open"`)
			// An illegal move sent by hand is refused with the reason.
			refused := m.post("/tasks/"+task.ID+"/status", url.Values{"status": {"in_progress"}})
			wantStatus(t, refused, http.StatusUnprocessableEntity)
			checkPage(t, refused, lang)
			if lang == "ja" {
				wantContains(t, refused, "まず再開してください")
			} else {
				wantContains(t, refused, "reopened first")
			}
			if strings.Contains(m.get("/tasks").body, `href="/tasks/`+task.ID+`"`) {
				t.Error("a done task stays in the inbox")
			}

			// Another department's member sees nothing and changes nothing.
			f := e.login("factory", lang)
			wantStatus(t, f.get("/tasks/"+task.ID), http.StatusNotFound)
			wantStatus(t, f.post("/tasks/"+task.ID+"/status", url.Values{"status": {"open"}}), http.StatusNotFound)
			if strings.Contains(f.get("/tasks").body, task.ID) {
				t.Error("another department's inbox shows the task")
			}
			// The auditor, not added to the RED incident, sees none of it.
			a := e.login("auditor", lang)
			wantStatus(t, a.get("/tasks/"+task.ID), http.StatusNotFound)
			if strings.Contains(a.get("/tasks").body, task.ID) {
				t.Error("the auditor's inbox shows a task of a RED incident they were not added to")
			}
			wantStatus(t, a.post("/tasks/"+task.ID+"/status", url.Values{"status": {"open"}}), http.StatusNotFound)
		})
	}
}

func TestIncidentTasksSectionAndPlaybooks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inc, err := e.svc.Incidents.Create(ctx, hikeshi.ActorFor(e.user("csirt"), "test"),
		service.IncidentInput{Title: "フィッシング", Category: "phishing", Impact: 2, Urgency: 2, TLP: hikeshi.TLPAmber})
	if err != nil {
		t.Fatal(err)
	}
	clearLocale(t, e, "csirt")
	c := e.login("csirt", "en")
	page := c.get("/incidents/" + inc.ID)
	wantStatus(t, page, http.StatusOK)
	checkPage(t, page, "en")
	wantContains(t, page, "Suggested playbooks", "/incidents/"+inc.ID+"/playbooks/phishing/apply", `name="dept_it"`, "Add a task")

	sales := e.department("Sales")
	base := url.Values{"title": {"<script>alert(1)</script>"}, "description": {"説明"}, "department_id": {sales.ID}, "due_at": {"2026-05-01T17:00"}}
	for _, tc := range []struct {
		field, value, want string
	}{
		{"due_at", "01/05/2026", "2026-05-01 17:00"},
		{"department_id", hikeshi.NewID(), "Choose one of the offered options"},
		{"assignee_id", e.user("factory").ID, "not a member of the chosen department"},
		{"title", strings.Repeat("x", 201), "too long"},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		form.Set(tc.field, tc.value)
		res := c.post("/incidents/"+inc.ID+"/tasks", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		checkPage(t, res, "en")
		if tc.field != "title" {
			wantContains(t, res, "&lt;script&gt;alert(1)&lt;/script&gt;")
		}
		if !strings.Contains(strings.ToLower(res.body), strings.ToLower(tc.want)) {
			t.Errorf("%s: the page does not say %q", tc.field, tc.want)
		}
	}
	wantStatus(t, c.post("/incidents/"+inc.ID+"/tasks", base), http.StatusSeeOther)
	wantStatus(t, c.post("/incidents/"+inc.ID+"/playbooks/phishing/apply", url.Values{"dept_it": {e.department("IT").ID}}), http.StatusSeeOther)
	bad := c.post("/incidents/"+inc.ID+"/playbooks/phishing/apply", url.Values{"dept_it": {sales.ID}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantContains(t, bad, "Choose a department of the kind")
	page = c.get("/incidents/" + inc.ID)
	wantContains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;", "Preserve the reported message with its headers", "task: Block the sender and the phishing links → open")
	if strings.Contains(page.body, "<script>alert(1)") {
		t.Error("a task title is not escaped")
	}
	ids := taskLink.FindAllStringSubmatch(page.body, -1)
	if len(ids) != 7 {
		t.Fatalf("%d tasks on the page", len(ids))
	}
	// The CSIRT starts and cancels from the incident page.
	first := ids[0][1]
	res := c.post("/tasks/"+first+"/status", url.Values{"status": {"cancelled"}, "from": {"incident"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/incidents/"+inc.ID) {
		t.Errorf("back to %q", loc)
	}
	// The CSIRT edits on the task page; a bad due date comes back typed.
	edit := url.Values{"title": {"改題"}, "description": {""}, "department_id": {sales.ID}, "assignee_id": {e.user("member").ID}, "due_at": {"tomorrow"}}
	res = c.post("/tasks/"+first, edit)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, `value="tomorrow"`)
	edit.Set("due_at", "2026-06-01")
	wantStatus(t, c.post("/tasks/"+first, edit), http.StatusSeeOther)
	wantContains(t, c.get("/tasks/"+first), "改題", "2026-06-01 18:00")
	// Managers see the section without forms.
	mp := e.login("manager", "en").get("/incidents/" + inc.ID)
	wantStatus(t, mp, http.StatusOK)
	if strings.Contains(mp.body, "/playbooks/phishing/apply") || strings.Contains(mp.body, `action="/incidents/`+inc.ID+`/tasks"`) {
		t.Error("the manager is offered task forms")
	}
	wantStatus(t, e.login("manager", "en").post("/incidents/"+inc.ID+"/tasks", base), http.StatusForbidden)
}

func TestPlaybookPages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			clearLocale(t, e, "csirt")
			clearLocale(t, e, "member")
			m := e.login("member", lang)
			list := m.get("/playbooks")
			wantStatus(t, list, http.StatusOK)
			checkPage(t, list, lang)
			name := "Personal-data leak"
			if lang == "ja" {
				name = "個人データの漏えい"
			}
			wantContains(t, list, name, "/playbooks/personal-data-leak")
			if strings.Contains(list.body, "/playbooks/new") || strings.Contains(list.body, "/disable") {
				t.Error("a member is offered playbook changes")
			}
			show := m.get("/playbooks/personal-data-leak")
			wantStatus(t, show, http.StatusOK)
			checkPage(t, show, lang)
			wantStatus(t, m.get("/playbooks/new"), http.StatusForbidden)
			wantStatus(t, m.post("/playbooks/phishing/disable", nil), http.StatusForbidden)

			c := e.login("csirt", lang)
			form := c.get("/playbooks/new")
			wantStatus(t, form, http.StatusOK)
			checkPage(t, form, lang)
			bad := c.post("/playbooks", url.Values{"name": {"<i>独自</i>"}, "categories": {"culprit"},
				"task_title_0": {"確認"}, "task_kind_0": {"sales"}, "task_hours_0": {"abc"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, "&lt;i&gt;独自&lt;/i&gt;", `value="確認"`)
			res := c.post("/playbooks", url.Values{"name": {"<i>独自</i>"}, "categories": {"phishing", "masquerade"},
				"task_title_0": {"確認"}, "task_kind_0": {"it"}, "task_hours_0": {"4"}, "task_title_1": {""}})
			wantStatus(t, res, http.StatusSeeOther)
			custom := c.get(res.header.Get("Location"))
			wantStatus(t, custom, http.StatusOK)
			checkPage(t, custom, lang)
			wantContains(t, custom, "&lt;i&gt;独自&lt;/i&gt;", `name="task_title_0"`, `value="確認"`)
			wantStatus(t, c.post("/playbooks/phishing/disable", nil), http.StatusSeeOther)
			off := "Off"
			if lang == "ja" {
				off = "無効"
			}
			wantContains(t, c.get("/playbooks/phishing"), off)
			res = c.post("/playbooks/phishing/copy", nil)
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, c.get(res.header.Get("Location")), `name="name"`)
			wantStatus(t, c.post("/playbooks/phishing", url.Values{"name": {"x"}, "categories": {"phishing"}, "task_title_0": {"t"}, "task_kind_0": {"it"}}), http.StatusUnprocessableEntity)
		})
	}
}

// TestTaskPagesForEveryRole renders the inbox (filtered too), the playbooks
// and a task page for every demo role in both languages.
func TestTaskPagesForEveryRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "共有", Category: "ddos", Impact: 3, Urgency: 3, TLP: hikeshi.TLPGreen})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := e.svc.Tasks.ApplyPlaybook(ctx, csirt, inc.ID, "ddos", hikeshi.LocaleJA, nil)
	if err != nil {
		t.Fatal(err)
	}
	sales := e.department("Sales")
	var salesTask hikeshi.Task
	for _, tk := range tasks {
		if tk.DepartmentID == sales.ID {
			salesTask = tk
		}
	}
	if salesTask.ID == "" {
		t.Fatal("the business unit's task did not go to Sales")
	}
	for _, lang := range []string{"en", "ja"} {
		for _, who := range []string{"admin", "csirt", "manager", "auditor", "member", "factory"} {
			clearLocale(t, e, who)
			c := e.login(who, lang)
			for _, path := range []string{"/tasks", "/tasks?department=" + sales.ID + "&status=open", "/tasks?after=%7E%7Cx", "/playbooks", "/playbooks/ddos"} {
				res := c.get(path)
				wantStatus(t, res, http.StatusOK)
				checkPage(t, res, lang)
			}
			wantStatus(t, c.get("/tasks?status=culprit"), http.StatusBadRequest)
			// The business unit's task (the first business unit by name is Sales):
			// every role but the member of another business unit sees it.
			want := http.StatusOK
			if who == "factory" {
				want = http.StatusNotFound
			}
			wantStatus(t, c.get("/tasks/"+salesTask.ID), want)
		}
	}
}
