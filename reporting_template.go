package hikeshi

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// Report templates (IH-7) are Go text/template sources that write Markdown.
// They run against ReportData, a restricted data model of plain values
// (strings, booleans and lists of them): nothing in it reaches the database
// or has methods worth calling. Because an organisation edits them, a
// template is checked before it is kept: it must parse, define no further
// templates (so it cannot recurse), range only over the model's lists, and
// execute against a sample incident within MaxReportOutput bytes. printf
// refuses widths and precisions above 99, so no call can allocate much.
// The output is Markdown shown as text or downloaded, never as HTML.

// ReportData is what a report template sees.
type ReportData struct {
	Lang        string // ja or en
	Kind        string // the ReportKind
	GeneratedAt string
	Incident    DocIncident
	Facts       DocFacts
	// Clock is the regulatory clock a regulator draft answers (zero for the
	// internal report and the public statement).
	Clock             DocClock
	Timeline          []DocEvent
	TimelineTruncated bool   // more entries than MaxReportTimeline exist
	TimelineLimit     string // MaxReportTimeline, as text (the model holds no numbers to range over)
	Tasks             []DocTask
	Clocks            []DocClock
	HasReview         bool
	Review            DocReview
	Lessons           []DocLesson
	Communications    []DocComm
	CommTruncated     bool
	TasksDone         []DocTask // the tasks done: measures taken
	TasksOpen         []DocTask // the tasks still open: measures under way
}

// DocIncident is the incident as a report shows it; times are formatted,
// names localised, and empty values are "".
type DocIncident struct {
	Number, Title, Summary, Category        string
	Priority, Impact, Urgency               string
	TLP, Phase, Owner                       string
	NoticedAt, ReportedAt, CreatedAt        string
	TriagedAt, FirstResponseAt, ContainedAt string
	RecoveredAt, ClosedAt                   string
}

// DocFacts are the facts that start regulatory clocks.
type DocFacts struct {
	PersonalData, Malicious, GDPR, NIS2 bool
	AwareAt                             string
}

// DocEvent is one timeline entry.
type DocEvent struct{ At, Kind, Text, Author string }

// DocTask is one task of the response.
type DocTask struct{ Title, Department, Assignee, Status, DueAt, CompletedAt, Note string }

// DocClock is one clock.
type DocClock struct {
	Kind, Name, State, StartedAt, DueAt, StoppedAt, Reference string
	Regulatory                                                bool
}

// DocReview is the post-incident review.
type DocReview struct{ Status, RootCause, WentWell, ToChange string }

// DocLesson is one lesson of the review.
type DocLesson struct{ Text, ProposedChange, Status string }

// DocComm is one communication log entry.
type DocComm struct {
	SentAt, Audience, Channel, Recipient, Summary, Clock string
	AudienceCode                                         string // the Audience value, e.g. customers
}

// reportFuncs are the functions templates may call besides the builtins;
// printf replaces the builtin one.
var reportFuncs = template.FuncMap{
	// cell makes a value safe inside a Markdown table cell.
	"cell": func(s string) string {
		s = strings.ReplaceAll(s, "|", "\\|")
		return strings.Join(strings.Fields(s), " ")
	},
	// oneline joins the lines of a value with spaces.
	"oneline": func(s string) string { return strings.Join(strings.Fields(s), " ") },
	// or2 returns s, or def when s is empty.
	"or2": func(s, def string) string {
		if strings.TrimSpace(s) == "" {
			return def
		}
		return s
	},
	"printf": safePrintf,
}

var printfWidth = regexp.MustCompile(`%[-+# 0]*(\*|\d{3,}|\[)|\.(\*|\d{3,})`)

// safePrintf is fmt.Sprintf without large widths and precisions, which would
// let a template allocate gigabytes with one call.
func safePrintf(format string, args ...any) (string, error) {
	if printfWidth.MatchString(format) {
		return "", errors.New("printf: widths and precisions above 99 and * are not allowed")
	}
	return fmt.Sprintf(format, args...), nil
}

// ReportTemplateError is a template refused: the line of the error (0 when
// unknown) and the message of the parser or executor.
type ReportTemplateError struct {
	Line    int
	Message string
}

func (e *ReportTemplateError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

var templateErrStart = regexp.MustCompile(`^unclosed action started at [^:]*:(\d+)$`)

var templateErrLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)?\s*(.*)$`)

func templateError(err error) *ReportTemplateError {
	msg := err.Error()
	if m := templateErrLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		// An action left open is reported at the end; name where it began.
		if s := templateErrStart.FindStringSubmatch(m[2]); s != nil {
			n, _ = strconv.Atoi(s[1])
			return &ReportTemplateError{Line: n, Message: "unclosed action"}
		}
		return &ReportTemplateError{Line: n, Message: m[2]}
	}
	return &ReportTemplateError{Message: strings.TrimPrefix(msg, "template: ")}
}

// ParseReportTemplate parses and checks a template's source.
func ParseReportTemplate(src string) (*template.Template, error) {
	switch {
	case len(src) > MaxReportTemplateLen:
		return nil, &ReportTemplateError{Message: fmt.Sprintf("the template is longer than %d bytes", MaxReportTemplateLen)}
	case !utf8.ValidString(src):
		return nil, &ReportTemplateError{Message: "the template is not valid UTF-8"}
	case strings.TrimSpace(src) == "":
		return nil, &ReportTemplateError{Message: "the template is empty"}
	}
	t, err := template.New("report").Option("missingkey=error").Funcs(reportFuncs).Parse(src)
	if err != nil {
		return nil, templateError(err)
	}
	if len(t.Templates()) > 1 {
		return nil, &ReportTemplateError{Message: "define and block are not allowed"}
	}
	if t.Tree == nil || t.Tree.Root == nil {
		return nil, &ReportTemplateError{Message: "the template is empty"}
	}
	if err := checkReportNode(t.Tree, t.Tree.Root, 0); err != nil {
		return nil, err
	}
	return t, nil
}

// maxRangeDepth bounds nested ranges: two lists of a few thousand entries
// nested are millions of steps, three would be billions.
const maxRangeDepth = 2

// checkReportNode refuses template calls, ranges over anything but a field
// of the data model (a number, a variable alone or a function call could loop
// without bound) and ranges nested deeper than maxRangeDepth.
func checkReportNode(tree *parse.Tree, n parse.Node, depth int) error {
	fail := func(n parse.Node, msg string) error {
		line, _ := tree.ErrorContext(n)
		e := &ReportTemplateError{Message: msg}
		if _, after, ok := strings.Cut(line, ":"); ok {
			if l, _, ok := strings.Cut(after, ":"); ok {
				e.Line, _ = strconv.Atoi(l)
			}
		}
		return e
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkReportNode(tree, c, depth); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fail(n, "template calls are not allowed")
	case *parse.RangeNode:
		if !rangeOverField(n.Pipe) {
			return fail(n, "range works only over a list of the report, such as .Timeline")
		}
		if depth+1 > maxRangeDepth {
			return fail(n, "ranges may be nested at most two deep")
		}
		if err := checkReportNode(tree, n.List, depth+1); err != nil {
			return err
		}
		return checkReportNode(tree, n.ElseList, depth)
	case *parse.IfNode:
		if err := checkReportNode(tree, n.List, depth); err != nil {
			return err
		}
		return checkReportNode(tree, n.ElseList, depth)
	case *parse.WithNode:
		if err := checkReportNode(tree, n.List, depth); err != nil {
			return err
		}
		return checkReportNode(tree, n.ElseList, depth)
	}
	return nil
}

func rangeOverField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 // $.Timeline or $x.Items, not $n alone
	}
	return false
}

// limitedBuffer fails writes past its limit, which stops the execution.
type limitedBuffer struct {
	bytes.Buffer
	limit int
}

var errReportTooLarge = fmt.Errorf("the report is larger than %d bytes", MaxReportOutput)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		return 0, errReportTooLarge
	}
	return b.Buffer.Write(p)
}

// ExecuteReportTemplate runs a checked template against d.
func ExecuteReportTemplate(t *template.Template, d ReportData) (string, error) {
	b := &limitedBuffer{limit: MaxReportOutput}
	if err := t.Execute(b, d); err != nil {
		if errors.Is(err, errReportTooLarge) {
			return "", &ReportTemplateError{Message: errReportTooLarge.Error()}
		}
		return "", templateError(err)
	}
	return b.String(), nil
}

// RenderReport parses src and executes it against d.
func RenderReport(src string, d ReportData) (string, error) {
	t, err := ParseReportTemplate(src)
	if err != nil {
		return "", err
	}
	return ExecuteReportTemplate(t, d)
}

// ValidateReportTemplate checks a template an organisation wants to keep: it
// parses, passes the checks and executes against the sample incident of its
// kind and language. A refusal is a ValidationError on field "body" whose
// message carries the line of the error.
func ValidateReportTemplate(kind ReportKind, lang Locale, src string) error {
	_, err := RenderReport(src, SampleReportData(kind, lang))
	if err == nil {
		return nil
	}
	var te *ReportTemplateError
	if errors.As(err, &te) {
		return &ValidationError{Fields: []FieldError{{Field: "body", Code: "invalid_template", Message: te.Error()}}}
	}
	return err
}

// SampleReportData is a believable incident to try templates against; every
// list has an entry, so that a template that works on it touches every field.
func SampleReportData(kind ReportKind, lang Locale) ReportData {
	ja := lang == LocaleJA
	pick := func(j, e string) string {
		if ja {
			return j
		}
		return e
	}
	task := DocTask{Title: pick("パスワードの一斉リセット", "Reset all passwords"), Department: pick("情報システム部", "IT"),
		Assignee: pick("佐藤", "Sato"), Status: pick("完了", "Done"), DueAt: "2026-04-02 18:00 JST", CompletedAt: "2026-04-02 15:00 JST",
		Note: pick("全件完了", "All done")}
	clock := DocClock{Kind: string(ClockAPPIPreliminary), Name: pick("個人情報保護法 速報", "APPI preliminary report"),
		State: pick("進行中", "Running"), StartedAt: "2026-04-01 10:00 JST", DueAt: "2026-04-06 10:00 JST", Regulatory: true}
	d := ReportData{
		Lang: string(lang), Kind: string(kind), GeneratedAt: "2026-04-03 09:00 JST",
		Incident: DocIncident{Number: "INC-2026-0001", Title: pick("フィッシングによるアカウント侵害", "Account compromise by phishing"),
			Summary:  pick("経理部の職員がフィッシングメールに応答し、アカウントが不正利用された。", "A finance employee answered a phishing mail and the account was misused."),
			Category: "phishing", Priority: "P2", Impact: "2", Urgency: "2", TLP: "TLP:AMBER", Phase: pick("復旧", "Recovery"),
			Owner: pick("田中", "Tanaka"), NoticedAt: "2026-04-01 09:00 JST", ReportedAt: "2026-04-01 09:30 JST",
			CreatedAt: "2026-04-01 09:40 JST", TriagedAt: "2026-04-01 09:40 JST", FirstResponseAt: "2026-04-01 10:00 JST",
			ContainedAt: "2026-04-01 15:00 JST"},
		Facts:         DocFacts{PersonalData: true, AwareAt: "2026-04-01 10:00 JST"},
		Clock:         clock,
		TimelineLimit: strconv.Itoa(MaxReportTimeline),
		Timeline:      []DocEvent{{At: "2026-04-01 09:40 JST", Kind: pick("作成", "Created"), Text: pick("インシデントを作成", "Incident opened"), Author: pick("田中", "Tanaka")}},
		Tasks:         []DocTask{task}, TasksDone: []DocTask{task}, TasksOpen: []DocTask{task},
		Clocks:    []DocClock{clock},
		HasReview: true,
		Review: DocReview{Status: pick("完了", "Completed"), RootCause: pick("多要素認証が未導入だった。", "Multi-factor authentication was not in place."),
			WentWell: pick("通報が早かった。", "The report came early."), ToChange: pick("多要素認証を導入する。", "Introduce multi-factor authentication.")},
		Lessons: []DocLesson{{Text: pick("多要素認証が必要", "MFA is needed"), ProposedChange: pick("全職員に導入", "Roll out to all staff"), Status: pick("採用", "Accepted")}},
		Communications: []DocComm{{SentAt: "2026-04-02 11:00 JST", Audience: pick("規制当局", "Regulator"), Channel: pick("Webフォーム", "Web form"),
			Recipient: pick("個人情報保護委員会", "Personal Information Protection Commission"), Summary: pick("速報を提出", "Preliminary report filed"), Clock: clock.Name,
			AudienceCode: string(AudienceRegulator)}},
	}
	return d
}
