package api

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// alertmanagerBin finds Debian's prometheus-alertmanager. Without it the test
// is skipped, unless HIKESHI_REQUIRE_INTAKE_TOOLS=1 (CI), where it fails.
func alertmanagerBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", "alertmanager"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("HIKESHI_REQUIRE_INTAKE_TOOLS") == "1" {
		t.Fatal("prometheus-alertmanager is not installed, and HIKESHI_REQUIRE_INTAKE_TOOLS=1 requires it (apt-get install prometheus-alertmanager)")
	}
	t.Skip("prometheus-alertmanager is not installed; set HIKESHI_REQUIRE_INTAKE_TOOLS=1 to make this a failure")
	return ""
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestAlertIntakeFromRealAlertmanager runs a real Alertmanager whose webhook
// receiver points at Hikeshi with the sender's token, posts an alert to its
// API v2, and checks that its repeated notifications become one alert whose
// count rises, and that the resolved notification resolves it.
func TestAlertIntakeFromRealAlertmanager(t *testing.T) {
	bin := alertmanagerBin(t)
	db := storetest.NewSQLite(t)
	e := newEnv(t, db)
	defer e.svc.AlertIntake.Close()
	const token = "hka_alertmanager_0001"
	intakeSender(t, db, "alertmanager", hikeshi.FormatAlertmanager, token)
	hk := httptest.NewServer(e.mux)
	defer hk.Close()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: hikeshi
  group_by: ['alertname', 'instance']
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: hikeshi
    webhook_configs:
      - url: %s/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`, hk.URL, token)
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeLoopbackPort(t)
	am := fmt.Sprintf("http://127.0.0.1:%d", port)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"), "--storage.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--cluster.listen-address=", "--log.level=debug")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	wait := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s\nalertmanager log:\n%s", what, d, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait("alertmanager ready", 30*time.Second, func() bool {
		resp, err := http.Get(am + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	post := func(body string) {
		t.Helper()
		resp, err := http.Post(am+"/api/v2/alerts", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("alertmanager answered %d", resp.StatusCode)
		}
	}
	start := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	alert := `{"labels":{"alertname":"HighCPU","instance":"web01:9100","severity":"critical","job":"node"},` +
		`"annotations":{"summary":"CPU above 95 percent on web01"},"startsAt":"` + start + `"%s}`
	post("[" + fmt.Sprintf(alert, "") + "]")

	ctx := context.Background()
	rows := func() []hikeshi.Alert {
		t.Helper()
		evs, err := db.FindAlertEvents(ctx, hikeshi.AlertEventFilter{})
		if err != nil || len(evs) == 0 {
			return nil
		}
		as, err := db.FindAlerts(ctx, hikeshi.AlertFilter{EventID: evs[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	// Alertmanager repeats the notification every second while the alert
	// fires; each repeat raises the count of the one stored alert.
	wait("three notifications", 30*time.Second, func() bool {
		as := rows()
		return len(as) == 1 && as[0].Count >= 3
	})
	as := rows()
	if len(as) != 1 || as[0].Rule != "HighCPU" || as[0].Host != "web01" || as[0].Severity != hikeshi.SeverityCritical ||
		as[0].Status != hikeshi.AlertFiring || as[0].Format != hikeshi.FormatAlertmanager {
		t.Fatalf("stored alert %+v", as)
	}
	// Resolving it in Alertmanager resolves the stored alert.
	post("[" + fmt.Sprintf(alert, `,"endsAt":"`+time.Now().UTC().Add(-time.Second).Format(time.RFC3339)+`"`) + "]")
	wait("the resolved notification", 30*time.Second, func() bool {
		as := rows()
		return len(as) == 1 && as[0].Status == hikeshi.AlertResolved
	})
	if n := len(rows()); n != 1 {
		t.Errorf("%d alert rows, want 1", n)
	}
}
