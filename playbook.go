package hikeshi

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Playbooks (IH-5): task templates per incident category. Built-in playbooks
// ship as data in English and Japanese; an organisation may switch them off,
// copy them, and write its own. A custom playbook is written in one language
// (the organisation's); a built-in is applied in the language of the person
// applying it.

// PlaybookTask is one task template of a playbook.
type PlaybookTask struct {
	Title       string
	Description string
	Kind        DepartmentKind // the kind of department the task goes to
	DueHours    int            // due this many hours after the playbook is applied; 0 = no due date
}

// Playbook is a set of task templates for incidents of some categories.
type Playbook struct {
	ID          string // empty for a built-in that was never switched off
	Key         string // built-ins: a fixed word ("phishing"); custom: the id
	BuiltIn     bool
	Name        string
	Description string
	Categories  []string // RSIT class or type keys the playbook suits
	Tasks       []PlaybookTask
	DisabledAt  time.Time // zero while it is offered
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Disabled reports whether the playbook is switched off.
func (p Playbook) Disabled() bool { return !p.DisabledAt.IsZero() }

// Suits reports whether the playbook matches an incident category: the
// category itself, or its class when the playbook names the class.
func (p Playbook) Suits(category string) bool {
	if slices.Contains(p.Categories, category) {
		return true
	}
	c, t, ok := RSITLookup(category)
	return ok && t.Key != "" && slices.Contains(p.Categories, c.Key)
}

// Kinds lists the department kinds the playbook's tasks go to, in
// DepartmentKinds order.
func (p Playbook) Kinds() []DepartmentKind {
	var out []DepartmentKind
	for _, k := range DepartmentKinds {
		if slices.ContainsFunc(p.Tasks, func(t PlaybookTask) bool { return t.Kind == k }) {
			out = append(out, k)
		}
	}
	return out
}

// Limits of playbooks.
const (
	MaxPlaybookTasks    = 20
	MaxPlaybookDueHours = 24 * 366
	MaxPlaybookNameLen  = 200
	MaxPlaybookTextLen  = 2000
	MaxPlaybookCategory = 20
)

// ValidatePlaybook checks a custom playbook and records field errors on v.
// Fields of task i are named tasks[i].title and so on.
func ValidatePlaybook(v *ValidationError, p Playbook) {
	ValidateText(v, "name", p.Name, MaxPlaybookNameLen, true)
	if strings.ContainsAny(p.Name, "\r\n") {
		v.Add("name", "invalid_text", "the name is one line")
	}
	ValidateText(v, "description", p.Description, MaxPlaybookTextLen, false)
	if len(p.Categories) == 0 {
		v.Add("categories", "required", "name at least one category")
	}
	if len(p.Categories) > MaxPlaybookCategory {
		v.Add("categories", "too_many", "at most 20 categories")
	}
	for _, c := range p.Categories {
		if _, _, ok := RSITLookup(c); !ok {
			v.Add("categories", "unknown", "categories must be classes or types of the Reference Security Incident Taxonomy")
			break
		}
	}
	switch {
	case len(p.Tasks) == 0:
		v.Add("tasks", "required", "a playbook has at least one task")
	case len(p.Tasks) > MaxPlaybookTasks:
		v.Add("tasks", "too_many", "a playbook has at most 20 tasks")
	}
	for i, t := range p.Tasks {
		f := "tasks[" + strconv.Itoa(i) + "]."
		ValidateText(v, f+"title", t.Title, MaxTaskTitleLen, true)
		if strings.ContainsAny(t.Title, "\r\n") {
			v.Add(f+"title", "invalid_text", "the title is one line")
		}
		ValidateText(v, f+"description", t.Description, MaxTaskTextLen, false)
		if !t.Kind.Valid() {
			v.Add(f+"kind", "unknown", "kind must be management, it, csirt or business_unit")
		}
		if t.DueHours < 0 || t.DueHours > MaxPlaybookDueHours {
			v.Add(f+"due_hours", "out_of_range", "due_hours must be 0 (none) to 8784")
		}
	}
}

// Text is a text in both interface languages.
type Text struct{ EN, JA string }

// In returns the text in l (English unless l is Japanese).
func (t Text) In(l Locale) string {
	if l == LocaleJA {
		return t.JA
	}
	return t.EN
}

// BuiltinTask is a task template of a built-in playbook.
type BuiltinTask struct {
	Title, Description Text
	Kind               DepartmentKind
	DueHours           int
}

// BuiltinPlaybook is a playbook shipped with Hikeshi, in both languages.
type BuiltinPlaybook struct {
	Key         string
	Name        Text
	Description Text
	Categories  []string
	Tasks       []BuiltinTask
}

// In returns the built-in as a playbook in language l.
func (b BuiltinPlaybook) In(l Locale) Playbook {
	p := Playbook{Key: b.Key, BuiltIn: true, Name: b.Name.In(l), Description: b.Description.In(l),
		Categories: slices.Clone(b.Categories)}
	for _, t := range b.Tasks {
		p.Tasks = append(p.Tasks, PlaybookTask{Title: t.Title.In(l), Description: t.Description.In(l), Kind: t.Kind, DueHours: t.DueHours})
	}
	return p
}

// FindBuiltinPlaybook returns the built-in playbook with key.
func FindBuiltinPlaybook(key string) (BuiltinPlaybook, bool) {
	for _, b := range BuiltinPlaybooks {
		if b.Key == key {
			return b, true
		}
	}
	return BuiltinPlaybook{}, false
}

// BuiltinPlaybooks are the playbooks shipped with Hikeshi. Their tasks follow
// the JPCERT/CC handling flow and NIST SP 800-61: preserve evidence and
// contain first, then scope, eradicate, recover, and tell whom the law or the
// organisation requires. Wording is blameless: tasks ask what happened, never
// who is to blame.
var BuiltinPlaybooks = []BuiltinPlaybook{
	{
		Key:         "phishing",
		Name:        Text{"Phishing", "フィッシング"},
		Description: Text{"A deceptive message reached staff; links or attachments may have been opened.", "偽のメール等が社員に届き、リンクや添付ファイルが開かれたおそれがある場合。"},
		Categories:  []string{"phishing", "masquerade", "social-engineering"},
		Tasks: []BuiltinTask{
			{Text{"Preserve the reported message with its headers", "報告されたメールをヘッダーごと保全する"},
				Text{"Keep the original message (.eml) as evidence and record the sender, links and attachments as observables.", "元のメール（.eml）を証跡として保存し、送信元・リンク・添付ファイルを観測値として記録してください。"},
				KindCSIRT, 2},
			{Text{"Block the sender and the phishing links", "送信元とフィッシング URL を遮断する"},
				Text{"Block the sender at the mail gateway and the links at the proxy or DNS filter.", "メールゲートウェイで送信元を、プロキシまたは DNS フィルタでリンク先を遮断してください。"},
				KindIT, 4},
			{Text{"Find and remove copies in other mailboxes", "他のメールボックスに届いた同じメールを探して削除する"},
				Text{"Search every mailbox for the same sender or subject and remove the copies.", "同じ送信元・件名のメールを全メールボックスで検索し、削除してください。"},
				KindIT, 8},
			{Text{"Ask who opened the link or entered a password", "リンクを開いた人・パスワードを入力した人を確認する"},
				Text{"Ask the department's staff, without blame, whether anyone opened the link, an attachment or entered credentials, and when.", "責めることなく、リンクや添付ファイルを開いた人、認証情報を入力した人がいるか、いつだったかを部門内で確認してください。"},
				KindBusinessUnit, 8},
			{Text{"Reset passwords and end sessions of affected accounts", "影響を受けたアカウントのパスワード再設定とセッションの無効化"},
				Text{"For every account whose password may have been entered: reset it, end its sessions and check its sign-in history.", "認証情報が入力されたおそれのあるアカウントについて、パスワードを再設定し、セッションを無効化し、サインイン履歴を確認してください。"},
				KindIT, 24},
			{Text{"Warn staff about the campaign", "社内に注意喚起を出す"},
				Text{"Tell staff what the message looks like and how to report it.", "メールの特徴と報告の方法を社内に周知してください。"},
				KindCSIRT, 48},
		},
	},
	{
		Key:         "malware",
		Name:        Text{"Malware and ransomware", "マルウェア・ランサムウェア"},
		Description: Text{"A device is infected or files were encrypted.", "端末がマルウェアに感染した、またはファイルが暗号化された場合。"},
		Categories:  []string{"malicious-code", "infected-system", "c2-server", "malware-distribution", "malware-configuration"},
		Tasks: []BuiltinTask{
			{Text{"Isolate the infected devices from the network", "感染端末をネットワークから隔離する"},
				Text{"Disconnect the devices from wired and wireless networks. Do not switch them off: memory holds evidence.", "有線・無線のネットワークから切り離してください。メモリ上の証跡が失われるため、電源は切らないでください。"},
				KindIT, 1},
			{Text{"Preserve evidence: memory, disk images and logs", "証跡を保全する（メモリ・ディスクイメージ・ログ）"},
				Text{"Take memory and disk images of the infected devices and keep the relevant logs, recording the chain of custody.", "感染端末のメモリとディスクのイメージを取得し、関連ログを保存して、証拠保全の記録を残してください。"},
				KindCSIRT, 4},
			{Text{"Identify the malware and its indicators", "マルウェアを特定し IoC を抽出する"},
				Text{"Determine the family and extract indicators of compromise (hashes, domains, addresses).", "マルウェアの種類を特定し、IoC（ハッシュ値・ドメイン・IP アドレス）を抽出してください。"},
				KindCSIRT, 8},
			{Text{"Search every endpoint for the indicators", "全端末で IoC を検索し被害範囲を確認する"},
				Text{"Use the endpoint tools to find other infected devices and isolate them too.", "端末管理ツール等で他の感染端末を探し、見つかれば同様に隔離してください。"},
				KindIT, 12},
			{Text{"Check the backups and restore from clean ones", "バックアップの無事を確認し、クリーンなものから復旧する"},
				Text{"Confirm the backups were not reached, then restore systems from a point before the infection.", "バックアップが被害を受けていないことを確認し、感染前の時点からシステムを復旧してください。"},
				KindIT, 24},
			{Text{"Decide on business continuity, notification and any ransom demand", "事業継続・外部への連絡・身代金要求への対応方針を決める"},
				Text{"Management decides with legal advice how business continues, whom to notify, and the stance on any ransom demand.", "法務の助言を得て、業務継続の方法、連絡先、身代金要求への対応方針を経営層が決めてください。"},
				KindManagement, 24},
			{Text{"Report the effect on business and the data involved", "業務への影響と関係するデータを報告する"},
				Text{"List the work that stopped and the data the infected devices held.", "止まった業務と、感染端末が保存していたデータを洗い出してください。"},
				KindBusinessUnit, 48},
		},
	},
	{
		Key:         "unauthorised-access",
		Name:        Text{"Unauthorised access", "不正アクセス"},
		Description: Text{"An account, system or application was used without authorisation.", "アカウント・システム・アプリケーションが権限なく利用された場合。"},
		Categories: []string{"intrusions", "privileged-account-compromise", "unprivileged-account-compromise", "application-compromise",
			"system-compromise", "unauthorised-information-access"},
		Tasks: []BuiltinTask{
			{Text{"Disable or reset the compromised accounts", "侵害されたアカウントを無効化・パスワード再設定する"},
				Text{"Disable the accounts or reset their passwords, end their sessions and revoke their tokens and keys.", "アカウントを無効化するかパスワードを再設定し、セッションを終了させ、トークンや鍵を失効させてください。"},
				KindIT, 2},
			{Text{"Preserve authentication and access logs", "認証ログ・アクセスログを保全する"},
				Text{"Copy the logs of the affected systems before they rotate out.", "影響を受けたシステムのログを、ローテーションで消える前に複製して保存してください。"},
				KindCSIRT, 4},
			{Text{"Find the entry point and what was accessed", "侵入経路とアクセスされた情報を特定する"},
				Text{"Establish how access was gained, from where, since when, and which data was read or changed.", "どのように、どこから、いつから侵入されたか、どの情報が閲覧・変更されたかを特定してください。"},
				KindCSIRT, 24},
			{Text{"Close the entry point", "侵入経路をふさぐ"},
				Text{"Apply the fix: patch, multi-factor authentication, firewall rules or removal of exposed services.", "修正プログラムの適用、多要素認証、通信制御、不要な公開サービスの停止などの対策を実施してください。"},
				KindIT, 24},
			{Text{"Check business systems for unusual activity", "業務システムで不審な操作がないか確認する"},
				Text{"Review recent orders, payments and data exports in the department's systems.", "部門の業務システムで、最近の発注・支払・データ出力に不審な点がないか確認してください。"},
				KindBusinessUnit, 48},
			{Text{"Decide on reporting to authorities and affected parties", "関係機関・関係者への報告の要否を判断する"},
				Text{"Decide whether regulators, the police, customers or partners must be told.", "監督官庁・警察・顧客・取引先への報告が必要かを判断してください。"},
				KindManagement, 72},
		},
	},
	{
		Key:         "personal-data-leak",
		Name:        Text{"Personal-data leak", "個人データの漏えい"},
		Description: Text{"Personal data left the organisation's control (APPI, GDPR).", "個人データが組織の管理外に出た場合（個人情報保護法・GDPR）。"},
		Categories:  []string{"data-leak", "information-content-security"},
		Tasks: []BuiltinTask{
			{Text{"Stop the leak", "漏えいを止める"},
				Text{"Remove published data, revoke shared links and ask recipients to delete what they received.", "公開されたデータの削除、共有リンクの無効化、誤送信先への削除依頼を行ってください。"},
				KindCSIRT, 4},
			{Text{"List whose data and which items leaked", "漏えいした本人・項目・人数を洗い出す"},
				Text{"Count the people affected and list the data items (names, contacts, sensitive data, payment data).", "対象となる本人の数と、漏えいした項目（氏名・連絡先・要配慮個人情報・決済情報など）を洗い出してください。"},
				KindBusinessUnit, 24},
			{Text{"Assess whether the APPI report duty applies", "個人情報保護法の報告対象に当たるか判断する"},
				Text{"Sensitive data, risk of financial loss, a malicious cause or more than 1,000 people make a report to the Personal Information Protection Commission mandatory: a preliminary report promptly (about 3–5 days) and a final report within 30 days (60 for malicious attacks).", "要配慮個人情報、財産的被害のおそれ、不正の目的によるもの、1,000 人を超えるもののいずれかに当たれば、個人情報保護委員会への報告が必要です。速報は速やかに（おおむね 3〜5 日以内）、確報は 30 日以内（不正の目的によるものは 60 日以内）です。"},
				KindCSIRT, 24},
			{Text{"Approve the preliminary report to the regulator", "個人情報保護委員会への速報を承認する"},
				Text{"Review and approve the preliminary report (漏えい等報告：速報) before it is sent.", "漏えい等報告（速報）の内容を確認し、提出を承認してください。"},
				KindManagement, 72},
			{Text{"Notify the affected people and open an enquiry desk", "本人への通知と問い合わせ窓口を用意する"},
				Text{"Tell the people affected what happened and what they can do, and prepare a contact point for questions.", "本人に経緯ととるべき対応を知らせ、問い合わせ窓口を用意してください。"},
				KindBusinessUnit, 72},
			{Text{"Correct the cause", "原因を是正する"},
				Text{"Fix the access rights, settings or procedure that let the data out.", "漏えいにつながったアクセス権・設定・手順を是正してください。"},
				KindIT, 72},
			{Text{"Submit the final report", "確報を提出する"},
				Text{"Submit the final report (漏えい等報告：確報) to the Personal Information Protection Commission.", "個人情報保護委員会に漏えい等報告（確報）を提出してください。"},
				KindManagement, 720},
		},
	},
	{
		Key:         "ddos",
		Name:        Text{"Denial of service (DDoS)", "サービス妨害（DDoS）"},
		Description: Text{"A service is slowed or stopped by a flood of traffic.", "大量の通信によりサービスが遅延・停止している場合。"},
		Categories:  []string{"ddos", "dos"},
		Tasks: []BuiltinTask{
			{Text{"Confirm the attack and its traffic pattern", "攻撃であることと通信の傾向を確認する"},
				Text{"Tell an attack from a legitimate peak or a fault: sources, protocols, targets.", "正常なアクセス集中や障害と区別し、送信元・プロトコル・攻撃対象を確認してください。"},
				KindIT, 1},
			{Text{"Ask the ISP or CDN to filter the traffic", "ISP・CDN に通信の遮断・緩和を依頼する"},
				Text{"Contact the upstream provider's abuse or security desk with the traffic pattern.", "通信の傾向を添えて、上流事業者の窓口に対策を依頼してください。"},
				KindIT, 2},
			{Text{"Tell customers about the service status", "お客様へサービス状況を案内する"},
				Text{"Publish the status and expected recovery through the channels customers use.", "お客様が利用する窓口で、サービス状況と復旧見込みを案内してください。"},
				KindBusinessUnit, 2},
			{Text{"Preserve logs and keep the timeline", "ログを保全し経過を記録する"},
				Text{"Keep traffic and server logs and record when each measure took effect.", "通信とサーバのログを保存し、各対策がいつ効いたかを記録してください。"},
				KindCSIRT, 4},
			{Text{"Review mitigation and capacity", "緩和策と回線・設備の容量を見直す"},
				Text{"Decide on permanent mitigation (scrubbing service, rate limits, capacity).", "恒久的な緩和策（対策サービス・流量制限・容量）を検討してください。"},
				KindIT, 168},
		},
	},
	{
		Key:         "lost-device",
		Name:        Text{"Lost or stolen device", "機器の紛失・盗難"},
		Description: Text{"A laptop, phone or storage medium was lost or stolen.", "ノート PC・スマートフォン・記録媒体を紛失した、または盗まれた場合。"},
		Categories:  []string{"data-loss", "burglary"},
		Tasks: []BuiltinTask{
			{Text{"Record what was lost, when, where and what it held", "紛失した機器・日時・場所・保存されていたデータを記録する"},
				Text{"Write down the device, the time and place it was last seen and the data it held.", "機器の種類、最後に確認した日時と場所、保存されていたデータを記録してください。"},
				KindBusinessUnit, 2},
			{Text{"Lock or wipe the device remotely", "遠隔ロック・データ消去を行う"},
				Text{"Lock or wipe it through device management and revoke its certificates and sessions.", "端末管理ツールでロックまたは消去し、証明書とセッションを無効化してください。"},
				KindIT, 2},
			{Text{"Reset the passwords used on the device", "機器で使っていたアカウントのパスワードを再設定する"},
				Text{"Reset passwords of the accounts signed in on the device, including VPN and mail.", "VPN やメールを含め、機器でサインインしていたアカウントのパスワードを再設定してください。"},
				KindIT, 4},
			{Text{"Report the loss to the police and the place it was lost", "警察・紛失場所に届け出る"},
				Text{"File a lost-property or theft report and ask the place (station, shop) where it may have been left.", "遺失届または被害届を出し、置き忘れた可能性のある場所（駅・店舗など）に問い合わせてください。"},
				KindBusinessUnit, 24},
			{Text{"Assess whether personal data was exposed", "個人データ漏えいのおそれを評価する"},
				Text{"Check the encryption and what data was on the device; if personal data may have leaked, follow the personal-data-leak playbook.", "暗号化の有無と保存データを確認し、個人データが漏えいしたおそれがあれば「個人データの漏えい」のプレイブックも適用してください。"},
				KindCSIRT, 24},
		},
	},
	{
		Key:         "web-defacement",
		Name:        Text{"Web defacement", "Web サイトの改ざん"},
		Description: Text{"Pages of a website were altered without authorisation.", "Web サイトのページが権限なく書き換えられた場合。"},
		Categories:  []string{"unauthorised-information-modification", "application-compromise"},
		Tasks: []BuiltinTask{
			{Text{"Take the site offline or show a maintenance page", "サイトを停止するかメンテナンス表示に切り替える"},
				Text{"Stop visitors from receiving altered pages, which may carry malicious scripts.", "改ざんされたページ（不正なスクリプトを含むおそれ）が閲覧されないようにしてください。"},
				KindIT, 1},
			{Text{"Preserve the altered pages and the logs", "改ざんされたページとログを保全する"},
				Text{"Copy the altered files and the web server and application logs before restoring anything.", "復旧作業の前に、改ざんされたファイルと Web サーバ・アプリケーションのログを複製して保存してください。"},
				KindCSIRT, 4},
			{Text{"Find how the site was changed", "改ざんの手口を特定する"},
				Text{"Determine the weakness used: a vulnerable component, stolen credentials or a misconfiguration.", "悪用された弱点（脆弱なコンポーネント、窃取された認証情報、設定の誤り）を特定してください。"},
				KindCSIRT, 24},
			{Text{"Restore from a clean source and fix the weakness", "クリーンな元データから復旧し、弱点を修正する"},
				Text{"Rebuild from a known-good source, fix the weakness and change the credentials.", "正常な元データから再構築し、弱点を修正して認証情報を変更してください。"},
				KindIT, 48},
			{Text{"Prepare the notice to site visitors", "サイト利用者へのお知らせを準備する"},
				Text{"Draft what visitors need to know, especially if they may have received malicious content.", "特に不正なコンテンツを受け取ったおそれがある場合に、利用者へ知らせる内容をまとめてください。"},
				KindBusinessUnit, 24},
			{Text{"Approve the public statement", "公表文を承認する"},
				Text{"Review and approve what the organisation says in public.", "組織として公表する内容を確認し、承認してください。"},
				KindManagement, 48},
		},
	},
	{
		Key:         "vulnerability-report",
		Name:        Text{"Vulnerability report", "脆弱性の報告"},
		Description: Text{"Someone reported a weakness in the organisation's systems or products.", "組織のシステムや製品の脆弱性が報告された場合。"},
		Categories:  []string{"vulnerable", "vulnerable-system", "information-disclosure", "weak-crypto", "potentially-unwanted-accessible", "ddos-amplifier"},
		Tasks: []BuiltinTask{
			{Text{"Acknowledge the reporter", "報告者に受領を連絡する"},
				Text{"Thank the reporter, confirm receipt and say when they will hear more.", "報告者にお礼と受領の連絡をし、次の連絡の時期を伝えてください。"},
				KindCSIRT, 24},
			{Text{"Reproduce and assess the severity (CVSS)", "再現確認と深刻度の評価（CVSS）を行う"},
				Text{"Confirm the weakness and score it with CVSS to set the remediation deadline.", "脆弱性を確認し、CVSS で評価して対応期限を決めてください。"},
				KindCSIRT, 72},
			{Text{"Identify the affected systems and versions", "影響を受けるシステムとバージョンを特定する"},
				Text{"List every system, product and version that has the weakness.", "脆弱性のあるシステム・製品・バージョンをすべて洗い出してください。"},
				KindIT, 72},
			{Text{"Fix or mitigate", "修正または回避策を適用する"},
				Text{"Apply the fix, or a mitigation until a fix is available.", "修正を適用するか、修正が出るまでの回避策を実施してください。"},
				KindIT, 168},
			{Text{"Coordinate disclosure with the reporter", "報告者と公開時期を調整する（調整された開示）"},
				Text{"Agree the publication date with the reporter and prepare the advisory.", "報告者と公開日を合意し、注意喚起（アドバイザリ）を準備してください。"},
				KindCSIRT, 336},
		},
	},
}
