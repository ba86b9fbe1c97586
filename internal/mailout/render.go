package mailout

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htemplate "html/template"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"sync"
	ttemplate "text/template"
	"time"

	"github.com/hikeshi/hikeshi"
)

// templateFS holds, for each template NAME and locale LANG, NAME.LANG.txt
// (defining "subject" and "text", rendered with text/template) and
// NAME.LANG.html (the HTML body, rendered with html/template).
//
//go:embed templates
var templateFS embed.FS

// Locales are the languages every template exists in.
var Locales = []hikeshi.Locale{hikeshi.LocaleJA, hikeshi.LocaleEN}

// DefaultLocale is used for an empty locale: English, as in the web UI.
const DefaultLocale = hikeshi.LocaleEN

// Content is a rendered message, ready for a Message's fields.
type Content struct {
	Locale  hikeshi.Locale
	Subject string
	Text    string
	HTML    string
}

// Message returns a Message with c's content from the default sender to to.
func (c Content) Message(to ...string) Message {
	return Message{To: to, Subject: c.Subject, Text: c.Text, HTML: c.HTML, Locale: c.Locale}
}

// Reason says why a person receives a notification; the footer of every
// message tells them.
type Reason string

// The reasons.
const (
	ReasonAssignee   Reason = "assignee"   // they are assigned the item
	ReasonEscalation Reason = "escalation" // they are the escalation contact of an overdue item
	ReasonWatcher    Reason = "watcher"    // they asked to be notified
)

// Reminder is the data of the "reminder" template: an item that is due soon
// or overdue.
type Reminder struct {
	// Name is the recipient's name for the salutation; empty: a generic one.
	Name string
	// Title names the item, e.g. "INC-2026-0042 不審なメールの報告".
	Title string
	// Due is shown in its own location: pass it In the organisation's zone.
	Due time.Time
	// Overdue says Due has passed.
	Overdue bool
	// URL is the absolute http(s) link to the item.
	URL string
	// Reason is why the recipient gets the message.
	Reason Reason
}

func (r Reminder) validate() error {
	switch {
	case strings.TrimSpace(r.Title) == "":
		return errors.New("the reminder has no title")
	case r.Due.IsZero():
		return errors.New("the reminder has no due time")
	case r.Reason != ReasonAssignee && r.Reason != ReasonEscalation && r.Reason != ReasonWatcher:
		return fmt.Errorf("the reason %q is unknown", printable(string(r.Reason), 20))
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the link %q is not an absolute http(s) URL", printable(r.URL, 80))
	}
	return nil
}

// Renderer holds the parsed templates; it is immutable and safe for
// concurrent use.
type Renderer struct {
	text map[string]*ttemplate.Template // by "name.locale"
	html map[string]*htemplate.Template
}

// NewRenderer parses the embedded templates and checks that each exists in
// every locale, as text and as HTML.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{text: map[string]*ttemplate.Template{}, html: map[string]*htemplate.Template{}}
	names := map[string]bool{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := strings.TrimPrefix(path, "templates/")
		parts := strings.Split(base, ".")
		if len(parts) != 3 || !slices.Contains(Locales, hikeshi.Locale(parts[1])) {
			return fmt.Errorf("mailout: template file %s is not NAME.LOCALE.txt or .html", base)
		}
		key := parts[0] + "." + parts[1]
		names[parts[0]] = true
		src, err := templateFS.ReadFile(path)
		if err != nil {
			return err
		}
		funcs := funcsFor(hikeshi.Locale(parts[1]))
		switch parts[2] {
		case "txt":
			t, err := ttemplate.New(base).Option("missingkey=error").Funcs(funcs).Parse(string(src))
			if err != nil {
				return fmt.Errorf("mailout: %w", err)
			}
			if t.Lookup("subject") == nil || t.Lookup("text") == nil {
				return fmt.Errorf("mailout: %s must define \"subject\" and \"text\"", base)
			}
			r.text[key] = t
		case "html":
			t, err := htemplate.New(base).Option("missingkey=error").Funcs(htemplate.FuncMap(funcs)).Parse(string(src))
			if err != nil {
				return fmt.Errorf("mailout: %w", err)
			}
			r.html[key] = t
		default:
			return fmt.Errorf("mailout: template file %s is not NAME.LOCALE.txt or .html", base)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name := range names {
		for _, l := range Locales {
			key := name + "." + string(l)
			if r.text[key] == nil || r.html[key] == nil {
				return nil, fmt.Errorf("mailout: template %s lacks %s.txt or %s.html", name, key, key)
			}
		}
	}
	return r, nil
}

// Render fills template name in locale (empty: DefaultLocale) with data,
// whose type the template expects (Reminder for "reminder").
func (r *Renderer) Render(locale hikeshi.Locale, name string, data any) (Content, error) {
	if locale == "" {
		locale = DefaultLocale
	}
	if !slices.Contains(Locales, locale) {
		return Content{}, fmt.Errorf("mailout: no templates in locale %q", printable(string(locale), 20))
	}
	key := name + "." + string(locale)
	tt, ht := r.text[key], r.html[key]
	if tt == nil || ht == nil {
		return Content{}, fmt.Errorf("mailout: there is no mail template %q", printable(name, 40))
	}
	if v, ok := data.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return Content{}, fmt.Errorf("mailout: template %s: %w", name, err)
		}
	}
	var subject, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Content{}, fmt.Errorf("mailout: %w", err)
	}
	if err := tt.ExecuteTemplate(&text, "text", data); err != nil {
		return Content{}, fmt.Errorf("mailout: %w", err)
	}
	if err := ht.Execute(&html, data); err != nil {
		return Content{}, fmt.Errorf("mailout: %w", err)
	}
	return Content{
		Locale:  locale,
		Subject: oneLine(subject.String()),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// defaultRenderer parses the embedded templates once; the result never
// changes afterwards.
var defaultRenderer = sync.OnceValues(NewRenderer)

// Render fills an embedded template; see Renderer.Render.
func Render(locale hikeshi.Locale, name string, data any) (Content, error) {
	r, err := defaultRenderer()
	if err != nil {
		return Content{}, err
	}
	return r.Render(locale, name, data)
}

// funcsFor returns the template functions of a locale.
func funcsFor(l hikeshi.Locale) ttemplate.FuncMap {
	return ttemplate.FuncMap{
		"due":  func(t time.Time) string { return formatTime(l, t) },
		"line": oneLine,
	}
}

// oneLine collapses every run of white space, line breaks and other control
// characters into one space, so that data cannot add lines to a subject or
// forge lines of a text body.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' || r == '\u0085'
	}), " ")
}

var weekdaysJA = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// formatTime writes t in its own location the way each language writes
// dates: 2026年5月12日(火) 17:00 JST, or Tue 12 May 2026, 17:00 JST.
func formatTime(l hikeshi.Locale, t time.Time) string {
	zone := t.Format("MST")
	if strings.HasPrefix(zone, "+") || strings.HasPrefix(zone, "-") {
		zone = "UTC" + t.Format("-07:00")
	}
	if l == hikeshi.LocaleJA {
		return fmt.Sprintf("%d年%d月%d日(%s) %s %s", t.Year(), int(t.Month()), t.Day(), weekdaysJA[t.Weekday()], t.Format("15:04"), zone)
	}
	return t.Format("Mon 2 Jan 2006, 15:04") + " " + zone
}
