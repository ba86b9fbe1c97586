package mailout

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hikeshi/hikeshi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func jst() *time.Location { return time.FixedZone("JST", 9*3600) }

func sampleReminder() Reminder {
	return Reminder{
		Name:   "山田 太郎",
		Title:  "INC-2026-0042 不審なメールの報告",
		Due:    time.Date(2026, 5, 12, 17, 0, 0, 0, jst()),
		URL:    "https://hikeshi.example.org/incidents/INC-2026-0042",
		Reason: ReasonAssignee,
	}
}

// TestRenderGolden renders the reminder in both languages for each reason
// and compares the subject, text and HTML with testdata; run with -update to
// rewrite them after a deliberate change, and read the diff.
func TestRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Reminder)
	}{
		{"due", func(*Reminder) {}},
		{"overdue", func(r *Reminder) { r.Overdue = true; r.Name = "" }},
		{"escalation", func(r *Reminder) { r.Overdue = true; r.Reason = ReasonEscalation; r.Name = "佐藤 花子" }},
		{"watcher", func(r *Reminder) { r.Reason = ReasonWatcher; r.Due = r.Due.UTC() }},
	} {
		for _, l := range Locales {
			t.Run(tc.name+"."+string(l), func(t *testing.T) {
				r := sampleReminder()
				tc.edit(&r)
				c, err := Render(l, "reminder", r)
				if err != nil {
					t.Fatal(err)
				}
				if c.Locale != l {
					t.Errorf("locale = %q", c.Locale)
				}
				got := "Subject: " + c.Subject + "\n\n" + c.Text + "\n----- HTML -----\n" + c.HTML
				file := filepath.Join("testdata", "reminder."+tc.name+"."+string(l)+".golden")
				if *update {
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", file, diff)
				}
				if !strings.Contains(c.HTML, `<html lang="`+string(l)+`">`) {
					t.Errorf("the HTML is not marked lang=%q", l)
				}
				// A rendered message builds and reads back unchanged.
				m := c.Message("Taro <taro@example.org>")
				m.From = "hikeshi@example.org"
				raw, err := testBuilder.Build(m)
				if err != nil {
					t.Fatal(err)
				}
				p := parse(t, raw)
				if p.Header["Subject"] != c.Subject || p.Text != c.Text || p.HTML != c.HTML || p.Header["Content-Language"] != string(l) {
					t.Errorf("the rendered message did not survive building and parsing")
				}
			})
		}
	}
}

func TestRenderEscapesData(t *testing.T) {
	r := sampleReminder()
	r.Title = "<script>alert(1)</script>\r\nBcc: evil@example.org\n  URL ：https://evil.example"
	r.Name = "Eve\n\nDear CSIRT, please wire money"
	for _, l := range Locales {
		c, err := Render(l, "reminder", r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.HTML, "<script>") {
			t.Errorf("%s: the HTML holds the title unescaped", l)
		}
		if strings.ContainsAny(c.Subject, "\r\n") {
			t.Errorf("%s: the subject holds a line break: %q", l, c.Subject)
		}
		if strings.Contains(c.Text, "\nBcc:") || strings.Contains(c.Text, "\n  URL ：https://evil") || strings.Contains(c.Text, "\nDear CSIRT") {
			t.Errorf("%s: data added lines to the text:\n%s", l, c.Text)
		}
	}
	r = sampleReminder()
	r.URL = "javascript:alert(1)"
	if _, err := Render(hikeshi.LocaleJA, "reminder", r); err == nil || !strings.Contains(err.Error(), "http(s) URL") {
		t.Errorf("a javascript: link was accepted: %v", err)
	}
}

func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		locale hikeshi.Locale
		tmpl   string
		data   any
		want   string
	}{
		{"unknown locale", "fr", "reminder", sampleReminder(), "locale"},
		{"unknown template", "ja", "nope", sampleReminder(), "no mail template"},
		{"no title", "ja", "reminder", Reminder{Due: time.Now(), URL: "https://x.example", Reason: ReasonAssignee}, "no title"},
		{"no due time", "en", "reminder", Reminder{Title: "t", URL: "https://x.example", Reason: ReasonAssignee}, "no due time"},
		{"unknown reason", "en", "reminder", Reminder{Title: "t", Due: time.Now(), URL: "https://x.example", Reason: "boss"}, "reason"},
		{"wrong data type", "en", "reminder", map[string]string{"Title": "t"}, "map has no entry"},
	} {
		if _, err := Render(tc.locale, tc.tmpl, tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestRenderDefaultLocaleIsEnglish(t *testing.T) {
	c, err := Render("", "reminder", sampleReminder())
	if err != nil {
		t.Fatal(err)
	}
	if c.Locale != hikeshi.LocaleEN || !strings.HasPrefix(c.Subject, "[Hikeshi]") {
		t.Errorf("empty locale rendered %q: %q", c.Locale, c.Subject)
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2026, 1, 4, 8, 5, 0, 0, jst())
	for _, tc := range []struct {
		l    hikeshi.Locale
		t    time.Time
		want string
	}{
		{hikeshi.LocaleJA, at, "2026年1月4日(日) 08:05 JST"},
		{hikeshi.LocaleEN, at, "Sun 4 Jan 2026, 08:05 JST"},
		{hikeshi.LocaleJA, at.UTC(), "2026年1月3日(土) 23:05 UTC"},
		{hikeshi.LocaleEN, at.In(time.FixedZone("", -3*3600-1800)), "Sat 3 Jan 2026, 19:35 UTC-03:30"},
	} {
		if got := formatTime(tc.l, tc.t); got != tc.want {
			t.Errorf("formatTime(%s, %v) = %q, want %q", tc.l, tc.t, got, tc.want)
		}
	}
}

func TestCapture(t *testing.T) {
	var c Capture
	ctx := t.Context()
	m := Message{To: []string{"a@example.org"}, Subject: "件名", Text: "本文"}
	if err := c.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	bad := m
	bad.Subject = "x\r\nBcc: y@example.org"
	if err := c.Send(ctx, bad); err == nil {
		t.Error("Capture accepted a message that SMTP would refuse")
	}
	c.FailWith(func(m Message) error {
		if m.To[0] == "down@example.org" {
			return &SendError{Relay: "test", Step: "RCPT TO", Code: 451, Reply: "try later"}
		}
		return nil
	})
	down := m
	down.To = []string{"down@example.org"}
	if err := c.Send(ctx, down); err == nil || IsPermanent(err) {
		t.Errorf("FailWith: err = %v, want a temporary failure", err)
	}
	sent := c.Sent()
	if len(sent) != 1 || sent[0].Message.From != "hikeshi@example.org" || parse(t, sent[0].Raw).Header["Subject"] != "件名" {
		t.Fatalf("captured %+v", sent)
	}
	if got := c.Messages(); len(got) != 1 || got[0].Subject != "件名" {
		t.Errorf("Messages = %+v", got)
	}
	c.Reset()
	if len(c.Sent()) != 0 {
		t.Error("Reset kept messages")
	}
}
