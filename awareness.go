package hikeshi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Awareness (IM-4): material made from closed incidents' lessons, campaigns
// sent to departments, who read and confirmed, and whether incidents of the
// category fell afterwards.
//
// A material is written in Japanese and English (a draft the CSIRT edits,
// then published and frozen); it may come from a closed incident in one step
// (AwarenessDraftFrom, anonymised by Anonymise) and keeps a link to that
// incident. A campaign sends a published material to departments (or to
// everyone) for a period; its recipients are fixed when it is created, one
// row per person, which also holds when they read and confirmed it
// (decision 0043).

// AwarenessStatus is where a material stands.
type AwarenessStatus string

// The statuses of a material.
const (
	AwarenessDraft     AwarenessStatus = "draft"
	AwarenessPublished AwarenessStatus = "published"
)

// AwarenessStatuses lists every status.
var AwarenessStatuses = []AwarenessStatus{AwarenessDraft, AwarenessPublished}

// Valid reports whether s is a known status.
func (s AwarenessStatus) Valid() bool { return slices.Contains(AwarenessStatuses, s) }

// AwarenessContent is what the CSIRT writes: a title and a text in each
// language and the RSIT category the material is about.
type AwarenessContent struct {
	TitleJA  string
	TitleEN  string
	BodyJA   string
	BodyEN   string
	Category string // an RSIT class or type key; empty = none in particular
}

// TitleIn is the title in l, falling back to the other language.
func (c AwarenessContent) TitleIn(l Locale) string {
	if l == LocaleEN && c.TitleEN != "" || c.TitleJA == "" {
		return c.TitleEN
	}
	return c.TitleJA
}

// BodyIn is the text in l, falling back to the other language.
func (c AwarenessContent) BodyIn(l Locale) string {
	if l == LocaleEN && c.TitleEN != "" || c.TitleJA == "" {
		return c.BodyEN
	}
	return c.BodyJA
}

// AwarenessMaterial is one piece of awareness material.
type AwarenessMaterial struct {
	ID string
	AwarenessContent
	// IncidentID is the closed incident the material was made from; empty
	// for material written from scratch. Shown only to those who may see
	// the incident.
	IncidentID  string
	Status      AwarenessStatus
	AuthorID    string
	PublishedBy string
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AwarenessCampaign sends a published material to departments for a period.
type AwarenessCampaign struct {
	ID         string
	MaterialID string
	// Category is the material's category when the campaign was created:
	// what the effect counts.
	Category string
	// DepartmentIDs are the departments it was sent to; empty = everyone.
	DepartmentIDs []string
	StartsAt      time.Time
	EndsAt        time.Time // zero: open-ended
	Recipients    int       // how many people it was sent to
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Running reports whether the campaign is on at now.
func (c AwarenessCampaign) Running(now time.Time) bool {
	return !now.Before(c.StartsAt) && (c.EndsAt.IsZero() || now.Before(c.EndsAt))
}

// Started reports whether the campaign has started at now.
func (c AwarenessCampaign) Started(now time.Time) bool { return !now.Before(c.StartsAt) }

// AwarenessRecipient is one person a campaign was sent to, and what they did.
type AwarenessRecipient struct {
	CampaignID   string
	UserID       string
	DepartmentID string // the person's department when the campaign was created
	Locale       Locale // the language the person gets it in
	ReadAt       time.Time
	ConfirmedAt  time.Time
	MailedAt     time.Time
}

// AwarenessFigure is how many people of one department a campaign reached,
// read and confirmed.
type AwarenessFigure struct {
	DepartmentID string // empty: people without a department
	Recipients   int
	Read         int
	Confirmed    int
}

// MonthCount is a number of incidents in one calendar month.
type MonthCount struct {
	Month time.Time // the first instant of the month, in the organisation's zone
	Count int
}

// AwarenessCampaignFilter selects campaigns, newest first.
type AwarenessCampaignFilter struct {
	// RecipientID keeps only campaigns sent to this person; empty = all.
	RecipientID string
	// MaterialID keeps only campaigns of this material; empty = all.
	MaterialID string
	// StartedBy keeps only campaigns started at or before this time; zero = all.
	StartedBy time.Time
	Page
}

// IncidentCountFilter selects the incidents an effect counts.
type IncidentCountFilter struct {
	Categories []string // incident category keys; empty counts nothing
	// SeeRestricted counts TLP:RED and AMBER+STRICT incidents too; without
	// it only those ViewerID is a member of.
	SeeRestricted bool
	ViewerID      string
}

// Limits of awareness fields.
const (
	MaxAwarenessTitleLen   = 200
	MaxAwarenessBodyLen    = 20000
	MaxAwarenessDepts      = 200
	MaxAwarenessMonths     = 12
	AwarenessSmallNumber   = 5 // below this many incidents, show counts but no verdict
	DefaultAwarenessMonths = 6
)

// NormalizeAwareness trims the fields of c.
func NormalizeAwareness(c AwarenessContent) AwarenessContent {
	c.TitleJA, c.TitleEN = strings.TrimSpace(c.TitleJA), strings.TrimSpace(c.TitleEN)
	c.BodyJA, c.BodyEN = strings.TrimSpace(c.BodyJA), strings.TrimSpace(c.BodyEN)
	c.Category = strings.TrimSpace(c.Category)
	return c
}

// ValidateAwareness checks normalised content: both languages are required
// (every person gets the material in their language).
func ValidateAwareness(v *ValidationError, c AwarenessContent) {
	for _, f := range []struct{ field, title, body string }{{"ja", c.TitleJA, c.BodyJA}, {"en", c.TitleEN, c.BodyEN}} {
		ValidateText(v, "title_"+f.field, f.title, MaxAwarenessTitleLen, true)
		if strings.ContainsAny(f.title, "\r\n") {
			v.Add("title_"+f.field, "invalid_text", "the title is one line")
		}
		ValidateText(v, "body_"+f.field, f.body, MaxAwarenessBodyLen, true)
	}
	if c.Category != "" {
		if _, _, ok := RSITLookup(c.Category); !ok || len(c.Category) > 64 {
			v.Add("category", "unknown", "not an RSIT class or type")
		}
	}
}

// AwarenessCategoryKeys lists the incident categories a campaign's category
// covers: a type itself; a class and all its types.
func AwarenessCategoryKeys(key string) []string {
	c, t, ok := RSITLookup(key)
	if !ok || key == "" {
		return nil
	}
	if t.Key != "" {
		return []string{t.Key}
	}
	out := []string{c.Key}
	for _, t := range c.Types {
		if t.Key != c.Key {
			out = append(out, t.Key)
		}
	}
	return out
}

// AwarenessMonths returns the first instants of n months before the month
// of start (oldest first) and of the month of start and the n-1 after it,
// in loc, plus the end of the last month.
func AwarenessMonths(start time.Time, n int, loc *time.Location) (before, after []time.Time, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	s := start.In(loc)
	m0 := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, loc)
	for i := n; i >= 1; i-- {
		before = append(before, m0.AddDate(0, -i, 0))
	}
	for i := range n {
		after = append(after, m0.AddDate(0, i, 0))
	}
	return before, after, m0.AddDate(0, n, 0)
}

// CanWriteAwareness reports whether the actor writes material and runs
// campaigns: the CSIRT and admins.
func (a Actor) CanWriteAwareness() bool { return a.Role == RoleCSIRT || a.Role == RoleAdmin }

// AwarenessReader is the read side of awareness.
type AwarenessReader interface {
	FindAwarenessMaterialByID(ctx context.Context, id string) (AwarenessMaterial, error)
	// FindAwarenessMaterials lists materials newest first.
	FindAwarenessMaterials(ctx context.Context, p Page) ([]AwarenessMaterial, error)
	// FindAwarenessMaterialsByIncident lists the materials made from an incident, newest first.
	FindAwarenessMaterialsByIncident(ctx context.Context, incidentID string) ([]AwarenessMaterial, error)
	FindAwarenessCampaignByID(ctx context.Context, id string) (AwarenessCampaign, error)
	// FindAwarenessCampaigns lists campaigns newest first.
	FindAwarenessCampaigns(ctx context.Context, f AwarenessCampaignFilter) ([]AwarenessCampaign, error)
	// FindAwarenessRecipient returns one person's row of a campaign (ErrNotFound if not sent to them).
	FindAwarenessRecipient(ctx context.Context, campaignID, userID string) (AwarenessRecipient, error)
	// FindAwarenessRecipients lists a campaign's recipients in one department
	// ("" = every department), ordered by user id, after Page.After (a user id).
	FindAwarenessRecipients(ctx context.Context, campaignID, departmentID string, p Page) ([]AwarenessRecipient, error)
	// AwarenessFigures counts a campaign's recipients, readers and confirmers per department.
	AwarenessFigures(ctx context.Context, campaignID string) ([]AwarenessFigure, error)
	// CountIncidentsByMonth counts incidents of the categories created in
	// each [months[i], months[i+1]) (the last month ends at end), in SQL.
	CountIncidentsByMonth(ctx context.Context, f IncidentCountFilter, months []time.Time, end time.Time) ([]MonthCount, error)
}

// AwarenessWriter is the write side of awareness.
type AwarenessWriter interface {
	CreateAwarenessMaterial(ctx context.Context, m AwarenessMaterial) error
	// UpdateAwarenessMaterial writes every field of m except ID, IncidentID, AuthorID and CreatedAt.
	UpdateAwarenessMaterial(ctx context.Context, m AwarenessMaterial) error
	CreateAwarenessCampaign(ctx context.Context, c AwarenessCampaign) error
	// CreateAwarenessRecipients inserts a campaign's recipients.
	CreateAwarenessRecipients(ctx context.Context, rs []AwarenessRecipient) error
	// UpdateAwarenessRecipient writes ReadAt, ConfirmedAt and MailedAt.
	UpdateAwarenessRecipient(ctx context.Context, r AwarenessRecipient) error
}

// awarenessAdvice is what to do, per RSIT class, added to every story.
var awarenessAdvice = map[string][2][]string{
	"fraud": {{
		"差出人や本文がもっともらしくても、リンクや添付を開く前に立ち止まりましょう。",
		"パスワードや支払い先の変更を求める連絡は、メールとは別の手段（電話帳の番号など）で本人に確かめましょう。",
		"開いてしまった・入力してしまったときは、すぐに CSIRT へ報告してください。早い報告ほど被害を小さくできます。",
	}, {
		"Pause before opening a link or attachment, however plausible the sender and the text look.",
		"Check any request to change a password or a payment account with the person through another channel (e.g. the phone number in the directory).",
		"If you opened or entered something, report it to the CSIRT at once: the earlier the report, the smaller the harm.",
	}},
	"malicious-code": {{
		"見覚えのない添付ファイルやマクロの有効化は避けましょう。",
		"パソコンの様子がおかしいと感じたら、ネットワークから外して CSIRT へ連絡してください。",
	}, {
		"Do not open unexpected attachments or enable macros.",
		"If your computer behaves strangely, disconnect it from the network and call the CSIRT.",
	}},
	"intrusions": {{
		"使い回しのない強いパスワードと多要素認証を使いましょう。",
		"身に覚えのないログイン通知を受け取ったら、すぐに CSIRT へ報告してください。",
		"公開するシステムは資産台帳に登録し、更新の対象から漏れないようにしましょう。",
	}, {
		"Use strong, unique passwords and multi-factor authentication.",
		"If you get a sign-in notice you do not recognise, report it to the CSIRT at once.",
		"Register every system you put online in the asset inventory so that it gets its updates.",
	}},
	"intrusion-attempts": {{
		"使い回しのない強いパスワードと多要素認証を使いましょう。",
		"ソフトウェアの更新は後回しにせず適用しましょう。",
	}, {
		"Use strong, unique passwords and multi-factor authentication.",
		"Apply software updates without delay.",
	}},
	"information-content-security": {{
		"機密情報を送る前に、宛先と添付をもう一度確かめましょう。",
		"共有設定は必要な人だけに絞りましょう。",
		"誤送信や紛失に気づいたら、隠さずすぐに CSIRT へ報告してください。",
	}, {
		"Check the recipients and attachments again before sending confidential information.",
		"Share only with the people who need it.",
		"If you notice a mis-sent message or a lost device, report it to the CSIRT at once; nobody is blamed for reporting.",
	}},
	"vulnerable": {{
		"サポートの切れたソフトウェアを使い続けないようにしましょう。",
		"公開するシステムは資産台帳に登録し、脆弱性情報の確認対象に含めましょう。",
	}, {
		"Do not keep using software whose support has ended.",
		"Register every system you put online in the asset inventory so that its vulnerabilities are checked.",
	}},
	"availability": {{
		"サービスが止まったときの連絡先と手順を確認しておきましょう。",
		"設定の変更は手順に沿って、確認を受けてから行いましょう。",
	}, {
		"Know whom to call and what to do when a service stops.",
		"Change configurations following the procedure, after a review.",
	}},
	"information-gathering": {{
		"電話やメールで社内の情報を尋ねられたら、相手を確かめてから答えましょう。",
	}, {
		"When someone asks about internal matters by phone or e-mail, check who they are before answering.",
	}},
	"abusive-content": {{
		"不審なメッセージは開かず、CSIRT へ転送してください。",
	}, {
		"Do not open suspicious messages; forward them to the CSIRT.",
	}},
}

var awarenessAdviceDefault = [2][]string{{
	"おかしいと感じたら、ためらわずに CSIRT へ報告してください。報告した人が責められることはありません。",
}, {
	"If something feels wrong, report it to the CSIRT without hesitation. Nobody is blamed for reporting.",
}}

// AwarenessLesson is one lesson a story tells.
type AwarenessLesson struct {
	Text           string
	ProposedChange string
}

// AwarenessSource is what a story is made from: a closed incident's
// category, summary and review, and what must not appear in the story.
type AwarenessSource struct {
	Category  string
	Summary   string
	RootCause string
	WentWell  string
	ToChange  string
	Lessons   []AwarenessLesson
	// Names are the people (and other words) to hide; Numbers the incident
	// numbers.
	Names   []string
	Numbers []string
}

// AwarenessDraftFrom writes the anonymised story of an incident in both
// languages: what happened, why, what we learned and what to do. The
// incident's own words stay in the language they were written in; the
// frame is in each language; names, addresses, hosts, URLs, phone numbers
// and incident numbers become neutral placeholders.
func AwarenessDraftFrom(src AwarenessSource) AwarenessContent {
	out := AwarenessContent{Category: src.Category}
	if _, _, ok := RSITLookup(src.Category); !ok {
		out.Category = ""
	}
	class, _, _ := RSITLookup(src.Category)
	advice, ok := awarenessAdvice[class.Key]
	if !ok {
		advice = awarenessAdviceDefault
	}
	for i, l := range []Locale{LocaleJA, LocaleEN} {
		anon := func(s string) string {
			return strings.TrimSpace(Anonymise(s, AnonymiseOptions{Names: src.Names, Numbers: src.Numbers, Locale: l}))
		}
		label := RSITLabel(src.Category, l)
		if out.Category == "" {
			label = map[Locale]string{LocaleJA: "セキュリティインシデント", LocaleEN: "a security incident"}[l]
		}
		h := map[Locale][6]string{
			LocaleJA: {"何が起きたか", "なぜ起きたか", "うまくいったこと", "学んだこと", "私たちがすべきこと",
				"※ この教材は社内で実際に起きた事例をもとに、個人や組織を特定できる情報を伏せて作成しています。"},
			LocaleEN: {"What happened", "Why it happened", "What went well", "What we learned", "What to do",
				"This material is based on a real case in our organisation, with everything that could identify a person or a system removed."},
		}[l]
		var b strings.Builder
		fmt.Fprintf(&b, "## %s\n\n", h[0])
		if l == LocaleJA {
			fmt.Fprintf(&b, "社内で「%s」に分類されるインシデントがありました。\n", label)
		} else {
			fmt.Fprintf(&b, "Our organisation handled an incident classified as \"%s\".\n", label)
		}
		if s := anon(src.Summary); s != "" {
			b.WriteString("\n" + s + "\n")
		}
		if s := anon(src.RootCause); s != "" {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", h[1], s)
		}
		if s := anon(src.WentWell); s != "" {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", h[2], s)
		}
		var learned, todo []string
		for _, ls := range src.Lessons {
			if s := anon(ls.Text); s != "" {
				learned = append(learned, s)
			}
			if s := anon(ls.ProposedChange); s != "" {
				todo = append(todo, s)
			}
		}
		if s := anon(src.ToChange); s != "" {
			todo = append(todo, s)
		}
		if len(learned) > 0 {
			fmt.Fprintf(&b, "\n## %s\n\n", h[3])
			for _, s := range learned {
				b.WriteString("- " + strings.ReplaceAll(s, "\n", " ") + "\n")
			}
		}
		fmt.Fprintf(&b, "\n## %s\n\n", h[4])
		for _, s := range advice[i] {
			b.WriteString("- " + s + "\n")
		}
		if len(todo) > 0 {
			if l == LocaleJA {
				b.WriteString("\n組織として次の対策を進めています。\n\n")
			} else {
				b.WriteString("\nAs an organisation we are putting these changes in place:\n\n")
			}
			for _, s := range todo {
				b.WriteString("- " + strings.ReplaceAll(s, "\n", " ") + "\n")
			}
		}
		fmt.Fprintf(&b, "\n%s\n", h[5])
		body := b.String()
		if r := []rune(body); len(r) > MaxAwarenessBodyLen {
			body = string(r[:MaxAwarenessBodyLen])
		}
		if l == LocaleJA {
			out.TitleJA = "実際の事例から学ぶ：" + RSITLabel(src.Category, l)
			if out.Category == "" {
				out.TitleJA = "実際の事例から学ぶ"
			}
			out.BodyJA = strings.TrimSpace(body)
		} else {
			out.TitleEN = "Learning from a real case: " + RSITLabel(src.Category, l)
			if out.Category == "" {
				out.TitleEN = "Learning from a real case"
			}
			out.BodyEN = strings.TrimSpace(body)
		}
	}
	return out
}
