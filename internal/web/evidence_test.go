package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// postEvidence sends the evidence form the way a browser does: the
// description first, the file last. body streams the file's content.
func (c *client) postEvidence(path, description, filename string, content io.Reader) response {
	c.e.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("description", description)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, strings.ReplaceAll(filename, `"`, `\"`)))
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		_, err := io.Copy(w, content)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// evidenceIncidents opens a GREEN and a RED incident as the CSIRT.
func evidenceIncidents(t *testing.T, e *env) (green, red hikeshi.Incident) {
	t.Helper()
	ctx := context.Background()
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	var err error
	if green, err = e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "緑 <i>x</i>", Category: "phishing", Impact: 2, Urgency: 2, TLP: hikeshi.TLPGreen}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if red, err = e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "赤", Category: "phishing", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Evidence.AddObservables(ctx, csirt, red.ID, service.ObservablesInput{Values: []string{"192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	return green, red
}

func TestEvidencePagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"csirt", "manager", "member"} {
				clearLocale(t, e, who)
			}
			green, red := evidenceIncidents(t, e)
			c := e.login("csirt", lang)
			path := "/incidents/" + green.ID
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}

			page := c.get(path)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, tr("Observables", "観測情報"), tr("Affected assets", "影響を受けた資産"), tr("Evidence files", "証拠ファイル"),
				`enctype="multipart/form-data"`, "100 MiB")

			// A paste with bad lines is refused whole, naming the lines, text kept.
			bad := c.post(path+"/observables", url.Values{"values": {"192.0.2.1\r\nnot-an-ip\r\n\r\n<b>999.1.1.1</b>"}, "type": {"ip"}, "note": {"<i>n</i>"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, tr("Line 2: not an IPv4", "2 行目: IPv4"), tr("Line 4:", "4 行目:"), "not-an-ip", "&lt;b&gt;999.1.1.1&lt;/b&gt;",
				`value="&lt;i&gt;n&lt;/i&gt;"`, `<option value="ip" selected>`)
			if strings.Contains(bad.body, "<b>999") {
				t.Error("the paste is not escaped")
			}
			if obs, _ := e.svc.Evidence.Observables(context.Background(), hikeshi.SystemActor("test"), green.ID); len(obs) != 0 {
				t.Errorf("a refused paste stored %d observables", len(obs))
			}

			// A good paste; links are defanged; "also seen in" names the RED incident for the CSIRT only.
			res := c.post(path+"/observables", url.Values{"values": {"https://evil.example/login\n192.0.2.1\nevil.example\n192.0.2.1"}, "note": {"メール"}})
			wantStatus(t, res, http.StatusSeeOther)
			page = c.get(res.header.Get("Location"))
			checkPage(t, page, lang)
			wantContains(t, page, "hxxps[://]evil[.]example/login", "192[.]0[.]2[.]1", "evil[.]example", red.Number, tr("3 observables added; 1", "3 件の観測情報を追加しました。1 件"))
			if strings.Contains(page.body, `href="https://evil`) || strings.Contains(page.body, "https://evil.example") {
				t.Error("an observable URL is clickable")
			}
			// "javascript:" pasted without a type is kept as an account: text, never a link.
			res = c.post(path+"/observables", url.Values{"values": {"javascript:alert(document.cookie)"}})
			wantStatus(t, res, http.StatusSeeOther)
			page = c.get(path)
			wantContains(t, page, "<code class=\"observable\">javascript:alert(document.cookie)</code>")
			if strings.Contains(page.body, `href="javascript:`) {
				t.Error("javascript: became a link")
			}
			obs, _ := e.svc.Evidence.Observables(context.Background(), hikeshi.SystemActor("test"), green.ID)
			if last := obs[len(obs)-1]; last.Observable.Type != hikeshi.ObservableAccount {
				t.Errorf("javascript: stored as %s", last.Observable.Type)
			} else {
				wantStatus(t, c.post(path+"/observables/"+last.ID+"/remove", nil), http.StatusSeeOther)
			}

			m := e.login("manager", lang)
			mp := m.get(path)
			wantStatus(t, mp, http.StatusOK)
			if strings.Contains(mp.body, red.Number) || strings.Contains(mp.body, "/incidents/"+red.ID) {
				t.Error("the manager sees the RED incident's number")
			}
			if strings.Contains(mp.body, `action="`+path+`/observables"`) {
				t.Error("the manager is offered the paste form")
			}
			wantStatus(t, m.get("/incidents/"+red.ID), http.StatusNotFound)

			// Search: the manager finds the GREEN incident only; a member may not search.
			s := m.get("/observables?q=" + url.QueryEscape(" 192.0.2.1 "))
			wantStatus(t, s, http.StatusOK)
			checkPage(t, s, lang)
			wantContains(t, s, green.Number, "192[.]0[.]2[.]1", tr("Search observables", "観測情報の検索"))
			if strings.Contains(s.body, red.Number) {
				t.Error("the search reveals the RED incident to the manager")
			}
			cs := c.get("/observables?q=192.0.2.1")
			wantContains(t, cs, green.Number, red.Number)
			none := c.get("/observables?q=" + url.QueryEscape("<script>x</script>"))
			wantStatus(t, none, http.StatusOK)
			wantContains(t, none, tr("No incident you can see", "閲覧できるインシデント"), "&lt;script&gt;")
			wantStatus(t, e.login("member", lang).get("/observables?q=x"), http.StatusForbidden)

			// Assets: bad input comes back with the text kept; good input is shown escaped.
			bad = c.post(path+"/assets", url.Values{"name": {"<img src=x onerror=alert(1)>"}, "kind": {"culprit"}, "criticality": {"9"}, "identifier": {"web01"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, `value="&lt;img src=x onerror=alert(1)&gt;"`, tr("Choose a criticality", "重要度は"), `value="web01"`)
			res = c.post(path+"/assets", url.Values{"name": {"<img src=x>"}, "kind": {"server"}, "criticality": {"1"}, "identifier": {"192.0.2.10"},
				"department_id": {e.department("").ID}})
			wantStatus(t, res, http.StatusSeeOther)
			page = c.get(path)
			checkPage(t, page, lang)
			wantContains(t, page, "&lt;img src=x&gt;", tr("Server", "サーバー"), tr("1 — critical", "1 — 最重要"))
			as, _ := e.svc.Evidence.Assets(context.Background(), hikeshi.SystemActor("test"), green.ID)
			if len(as) != 1 {
				t.Fatalf("assets %+v", as)
			}
			res = c.post(path+"/assets/"+as[0].ID, url.Values{"name": {"web01"}, "kind": {"host"}, "criticality": {""}})
			wantStatus(t, res, http.StatusSeeOther)
			bad = c.post(path+"/assets/"+as[0].ID, url.Values{"name": {""}, "kind": {"host"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, "<details open>")
			wantStatus(t, m.post(path+"/assets/"+as[0].ID+"/remove", nil), http.StatusForbidden)
			wantStatus(t, c.post(path+"/assets/"+as[0].ID+"/remove", nil), http.StatusSeeOther)

			// Evidence: a hostile file name and HTML content, served only as a download.
			content := []byte("<html><script>alert(1)</script></html>")
			res = c.postEvidence(path+"/evidence", "メールの原本 <b>", `..\<b>x</b>.html`, bytes.NewReader(content))
			wantStatus(t, res, http.StatusSeeOther)
			files, _ := e.svc.Evidence.Files(context.Background(), hikeshi.SystemActor("test"), green.ID)
			if len(files) != 1 || files[0].Filename != "b_.html" {
				t.Fatalf("files %+v", files)
			}
			page = c.get(path)
			checkPage(t, page, lang)
			wantContains(t, page, files[0].SHA256, "b_.html", "メールの原本 &lt;b&gt;", "/incidents/"+green.ID+"/evidence/"+files[0].ID)
			dl := m.get(path + "/evidence/" + files[0].ID)
			wantStatus(t, dl, http.StatusOK)
			if dl.body != string(content) || dl.header.Get("Content-Type") != "application/octet-stream" || dl.header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") || dl.header.Get("X-Content-SHA256") != files[0].SHA256 {
				t.Errorf("download %q %v", dl.body, dl.header)
			}
			wantStatus(t, e.login("member", lang).get(path+"/evidence/"+files[0].ID), http.StatusNotFound)
			wantStatus(t, c.get("/incidents/"+red.ID+"/evidence/"+files[0].ID), http.StatusNotFound)

			// The same file again: a friendly conflict, the description kept.
			dup := c.postEvidence(path+"/evidence", "もう一度", "again.html", bytes.NewReader(content))
			wantStatus(t, dup, http.StatusConflict)
			checkPage(t, dup, lang)
			wantContains(t, dup, tr("already evidence of this incident", "すでに登録されています"), `value="もう一度"`)
			// No file chosen.
			wantStatus(t, c.postEvidence(path+"/evidence", "x", "", strings.NewReader("")), http.StatusUnprocessableEntity)
			// The manager may read but not upload.
			wantStatus(t, m.postEvidence(path+"/evidence", "x", "x.txt", strings.NewReader("x")), http.StatusForbidden)
		})
	}
}

// TestEvidenceUploadLimit sends a file one byte over the limit: refused
// with the limit named, the description kept, nothing recorded.
func TestEvidenceUploadLimit(t *testing.T) {
	e := newEnv(t)
	clearLocale(t, e, "csirt")
	green, _ := evidenceIncidents(t, e)
	c := e.login("csirt", "ja")
	res := c.postEvidence("/incidents/"+green.ID+"/evidence", "大きすぎるダンプ", "big.bin", io.LimitReader(zeroes{}, hikeshi.MaxEvidenceSize+1))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkPage(t, res, "ja")
	wantContains(t, res, "上限 100 MiB", `value="大きすぎるダンプ"`)
	if files, _ := e.svc.Evidence.Files(context.Background(), hikeshi.SystemActor("test"), green.ID); len(files) != 0 {
		t.Errorf("an oversized file was recorded: %+v", files)
	}
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
