package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// intakeSender stores an alert sender for token.
func intakeSender(t *testing.T, db *store.DB, name string, f hikeshi.AlertFormat, token string) hikeshi.AlertSender {
	t.Helper()
	now := time.Now().UTC()
	s := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: name, Format: f, TokenHash: service.HashSecret(token),
		TokenHint: token[len(token)-4:], Window: time.Hour, CreatedAt: now, UpdatedAt: now}
	if err := db.InTx(context.Background(), func(tx hikeshi.Tx) error { return tx.CreateIntakeSender(context.Background(), s) }); err != nil {
		t.Fatal(err)
	}
	return s
}

// post sends a raw body to an intake endpoint and checks the answer against
// the OpenAPI document.
func (e *env) post(path, token, contentType string, body []byte) *resp {
	e.t.Helper()
	hr := httptest.NewRequest("POST", path, bytes.NewReader(body))
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, hr)
	out := &resp{t: e.t, status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	res := &http.Response{StatusCode: out.status, Header: out.header.Clone(), Body: io.NopCloser(bytes.NewReader(out.body)), Request: hr}
	if ok, errs := e.check.v.ValidateHttpResponse(hr, res); !ok {
		var b strings.Builder
		for _, x := range wrap(errs) {
			b.WriteString("\n  " + x.String())
		}
		e.t.Errorf("POST %s → %d does not match the OpenAPI document:%s\nbody: %s", path, out.status, b.String(), out.body)
	}
	if token != "" && bytes.Contains(out.body, []byte(token)) {
		e.t.Errorf("the answer carries the token: %s", out.body)
	}
	return out
}

func TestAlertIntakeAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		defer e.svc.AlertIntake.Close()
		intakeSender(t, db, "monitoring", hikeshi.FormatGeneric, "hka_generic_0001")
		intakeSender(t, db, "ids", hikeshi.FormatSuricata, "hka_suricata_0001")
		alert := func(i int) string {
			return fmt.Sprintf(`{"title":"Disk %d full","rule":"disk","host":"db%d","severity":"high","labels":{"mount":"/var"}}`, i, i)
		}

		var got alertIntakeResultJSON
		e.post("/api/v1/alerts", "hka_generic_0001", "application/json", []byte("["+alert(1)+","+alert(2)+","+alert(1)+"]")).want(http.StatusAccepted).into(&got)
		if got.Accepted != 2 || got.Duplicates != 1 || len(got.Events) != 2 || !got.Events[0].New || !strings.HasPrefix(got.Events[0].Number, "EVT-") {
			t.Fatalf("batch: %+v", got)
		}
		// One object, and {"alerts": [...]}; no Content-Type is read as JSON.
		e.post("/api/v1/alerts", "hka_generic_0001", "", []byte(alert(1))).want(http.StatusAccepted).into(&got)
		if got.Duplicates != 1 || got.Accepted != 0 {
			t.Errorf("single: %+v", got)
		}
		e.post("/api/v1/alerts", "hka_generic_0001", "application/json; charset=utf-8", []byte(`{"alerts":[`+alert(4)+`]}`)).want(http.StatusAccepted).into(&got)
		if got.Accepted != 1 {
			t.Errorf("wrapped: %+v", got)
		}

		// Authentication: missing, unknown, another format's token.
		e.post("/api/v1/alerts", "", "application/json", []byte(alert(9))).problem(kindUnauthenticated)
		e.post("/api/v1/alerts", "hka_nobody", "application/json", []byte(alert(9))).problem(kindUnauthenticated)
		p := e.post("/api/v1/alerts", "hka_suricata_0001", "application/json", []byte(alert(9))).problem(kindForbidden)
		if !strings.Contains(p.Detail, "suricata") || !strings.Contains(p.Detail, "generic") {
			t.Errorf("wrong-format detail %q", p.Detail)
		}
		p = e.post("/api/v1/alerts/suricata", "hka_generic_0001", "application/x-ndjson", []byte("{}\n")).problem(kindForbidden)

		// Suricata: NDJSON, non-alert records ignored and counted; a broken
		// line refuses the whole body, naming the line.
		eve := `{"timestamp":"2026-11-26T04:00:00.000000+0900","event_type":"alert","src_ip":"203.0.113.9","src_port":4444,"dest_ip":"10.0.0.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2010935,"rev":3,"signature":"ET SCAN Suspicious inbound to MSSQL port 1433","category":"Potentially Bad Traffic","severity":2}}`
		flow := `{"timestamp":"2026-11-26T04:00:01.000000+0900","event_type":"flow","src_ip":"10.0.0.5","dest_ip":"10.0.0.6","proto":"UDP"}`
		e.post("/api/v1/alerts/suricata", "hka_suricata_0001", "application/x-ndjson", []byte(eve+"\n"+flow+"\n")).want(http.StatusAccepted).into(&got)
		if got.Accepted != 1 || got.Ignored != 1 || len(got.Events) != 1 {
			t.Errorf("suricata: %+v", got)
		}
		p = e.post("/api/v1/alerts/suricata", "hka_suricata_0001", "application/x-ndjson", []byte(flow+"\n{\"event_type\": \"alert\",\n")).problem(kindValidation)
		if !strings.Contains(p.Detail, "line 2") {
			t.Errorf("the problem does not name line 2: %+v", p)
		}

		// Hostile and malformed payloads are refused whole, naming the item.
		p = e.post("/api/v1/alerts", "hka_generic_0001", "application/json", []byte("["+alert(5)+`,{"title":"x","severity":"loud"}]`)).problem(kindValidation)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Field, "[1]") {
			t.Errorf("bad item: %+v", p)
		}
		for name, body := range map[string][]byte{
			"syntax":  []byte(`[{"title":"x",}]`),
			"deep":    []byte(strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)),
			"utf8":    []byte("{\"title\":\"\xff\xfe\"}"),
			"empty":   []byte("  "),
			"number":  []byte("42"),
			"nul":     []byte(`{"title":"a\u0000b"}`),
			"labels":  []byte(`{"title":"x","labels":{"a":{"b":1}}}`),
			"toomany": []byte("[" + strings.Repeat(`{"title":"x"},`, hikeshi.MaxAlertsPerPayload) + `{"title":"x"}]`),
		} {
			r := e.post("/api/v1/alerts", "hka_generic_0001", "application/json", body)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", name, r.status, r.body)
			}
		}
		huge := bytes.Repeat([]byte(" "), hikeshi.MaxAlertRequestBytes+1)
		e.post("/api/v1/alerts", "hka_generic_0001", "application/json", huge).problem(kindTooLarge)
		e.post("/api/v1/alerts", "hka_generic_0001", "multipart/form-data; boundary=x", []byte(alert(1))).problem(kindUnsupportedMediaType)
		e.post("/api/v1/alerts", "hka_generic_0001", "application/json; charset=latin1", []byte(alert(1))).problem(kindUnsupportedMediaType)
		e.post("/api/v1/alerts?x=1", "hka_generic_0001", "application/json", []byte(alert(1))).want(http.StatusBadRequest)

		// Nothing of a refused request was stored.
		as, _ := hikeshi.DecodeAlerts(hikeshi.FormatGeneric, []byte(alert(5)))
		if rows, _ := db.FindIntakeAlerts(context.Background(), as[0].Fingerprint); len(rows) != 0 {
			t.Errorf("a refused batch left %d rows", len(rows))
		}

		// People: admins and the CSIRT may post with their own token; the
		// other roles may not.
		e.post("/api/v1/alerts", e.adminToken, "application/json", []byte(alert(7))).want(http.StatusAccepted)
		dept, err := e.svc.Departments.Create(context.Background(), hikeshi.SystemActor("test"), service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		_, csirt := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		e.post("/api/v1/alerts", csirt, "application/json", []byte(alert(8))).want(http.StatusAccepted)
		for _, role := range []hikeshi.Role{hikeshi.RoleManager, hikeshi.RoleMember, hikeshi.RoleAuditor} {
			_, tok := e.userWithToken(string(role)+"@example.org", role, dept.ID)
			e.post("/api/v1/alerts", tok, "application/json", []byte(alert(10))).problem(kindForbidden)
		}
	})
}

// TestAlertIntakeRateLimits: a sender is not held to a person's rate (a
// burst of 100 requests, then 20/s), but guessing tokens is.
func TestAlertIntakeRateLimits(t *testing.T) {
	db := storetest.NewSQLite(t)
	e := newEnv(t, db)
	defer e.svc.AlertIntake.Close()
	intakeSender(t, db, "busy", hikeshi.FormatGeneric, "hka_busy_0001")
	for i := range 130 {
		e.post("/api/v1/alerts", "hka_busy_0001", "application/json", []byte(fmt.Sprintf(`{"title":"t","host":"h%d"}`, i))).want(http.StatusAccepted)
	}
	limited := 0
	for i := range 130 {
		r := e.post("/api/v1/alerts", fmt.Sprintf("hka_guess_%04d", i), "application/json", []byte(`{"title":"t"}`))
		if r.status == http.StatusTooManyRequests {
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		} else if r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d", i, r.status)
		}
	}
	if limited == 0 {
		t.Error("130 wrong tokens in a row were never rate-limited")
	}
}
