package hikeshi

import "strings"

// The built-in framework: ISO/IEC 27001:2022, its clauses 4–10 and its 93
// Annex A controls, as reference numbers and short titles in English and
// Japanese (decision 0024). It never carries the standard's text, which is
// copyrighted: the organisation reads its own licensed copy.

// ISO27001Key is the key of the built-in framework.
const ISO27001Key = "iso27001-2022"

// ISO27001Name is its display name.
const ISO27001Name = "ISO/IEC 27001:2022"

// Annex A themes (the four groups of ISO/IEC 27001:2022 Annex A).
const (
	ThemeOrganizational = "organizational"
	ThemePeople         = "people"
	ThemePhysical       = "physical"
	ThemeTechnological  = "technological"
)

type isoItem struct{ ref, en, ja string }

var isoClauses = []isoItem{
	{"4", "Context of the organization", "組織の状況"},
	{"4.1", "Understanding the organization and its context", "組織及びその状況の理解"},
	{"4.2", "Understanding the needs and expectations of interested parties", "利害関係者のニーズ及び期待の理解"},
	{"4.3", "Determining the scope of the ISMS", "ISMSの適用範囲の決定"},
	{"4.4", "Information security management system", "情報セキュリティマネジメントシステム"},
	{"5", "Leadership", "リーダーシップ"},
	{"5.1", "Leadership and commitment", "リーダーシップ及びコミットメント"},
	{"5.2", "Policy", "方針"},
	{"5.3", "Organizational roles, responsibilities and authorities", "組織の役割、責任及び権限"},
	{"6", "Planning", "計画策定"},
	{"6.1", "Actions to address risks and opportunities", "リスク及び機会に対処する活動"},
	{"6.2", "Information security objectives and planning to achieve them", "情報セキュリティ目的及びそれを達成するための計画策定"},
	{"6.3", "Planning of changes", "変更の計画策定"},
	{"7", "Support", "支援"},
	{"7.1", "Resources", "資源"},
	{"7.2", "Competence", "力量"},
	{"7.3", "Awareness", "認識"},
	{"7.4", "Communication", "コミュニケーション"},
	{"7.5", "Documented information", "文書化した情報"},
	{"8", "Operation", "運用"},
	{"8.1", "Operational planning and control", "運用の計画策定及び管理"},
	{"8.2", "Information security risk assessment", "情報セキュリティリスクアセスメント"},
	{"8.3", "Information security risk treatment", "情報セキュリティリスク対応"},
	{"9", "Performance evaluation", "パフォーマンス評価"},
	{"9.1", "Monitoring, measurement, analysis and evaluation", "監視、測定、分析及び評価"},
	{"9.2", "Internal audit", "内部監査"},
	{"9.3", "Management review", "マネジメントレビュー"},
	{"10", "Improvement", "改善"},
	{"10.1", "Continual improvement", "継続的改善"},
	{"10.2", "Nonconformity and corrective action", "不適合及び是正処置"},
}

var isoThemes = []struct {
	ref, theme, en, ja string
	controls           []isoItem
}{
	{"A.5", ThemeOrganizational, "Organizational controls", "組織的管理策", []isoItem{
		{"A.5.1", "Policies for information security", "情報セキュリティのための方針群"},
		{"A.5.2", "Information security roles and responsibilities", "情報セキュリティの役割及び責任"},
		{"A.5.3", "Segregation of duties", "職務の分離"},
		{"A.5.4", "Management responsibilities", "経営陣の責任"},
		{"A.5.5", "Contact with authorities", "関係当局との連絡"},
		{"A.5.6", "Contact with special interest groups", "専門組織との連絡"},
		{"A.5.7", "Threat intelligence", "脅威インテリジェンス"},
		{"A.5.8", "Information security in project management", "プロジェクトマネジメントにおける情報セキュリティ"},
		{"A.5.9", "Inventory of information and other associated assets", "情報及びその他の関連資産の目録"},
		{"A.5.10", "Acceptable use of information and other associated assets", "情報及びその他の関連資産の許容される利用"},
		{"A.5.11", "Return of assets", "資産の返却"},
		{"A.5.12", "Classification of information", "情報の分類"},
		{"A.5.13", "Labelling of information", "情報のラベル付け"},
		{"A.5.14", "Information transfer", "情報転送"},
		{"A.5.15", "Access control", "アクセス制御"},
		{"A.5.16", "Identity management", "識別情報の管理"},
		{"A.5.17", "Authentication information", "認証情報"},
		{"A.5.18", "Access rights", "アクセス権"},
		{"A.5.19", "Information security in supplier relationships", "供給者関係における情報セキュリティ"},
		{"A.5.20", "Addressing information security within supplier agreements", "供給者との合意における情報セキュリティの取扱い"},
		{"A.5.21", "Managing information security in the ICT supply chain", "ICTサプライチェーンにおける情報セキュリティの管理"},
		{"A.5.22", "Monitoring, review and change management of supplier services", "供給者のサービス提供の監視、レビュー及び変更管理"},
		{"A.5.23", "Information security for use of cloud services", "クラウドサービスの利用における情報セキュリティ"},
		{"A.5.24", "Information security incident management planning and preparation", "情報セキュリティインシデント管理の計画策定及び準備"},
		{"A.5.25", "Assessment and decision on information security events", "情報セキュリティ事象の評価及び決定"},
		{"A.5.26", "Response to information security incidents", "情報セキュリティインシデントへの対応"},
		{"A.5.27", "Learning from information security incidents", "情報セキュリティインシデントからの学習"},
		{"A.5.28", "Collection of evidence", "証拠の収集"},
		{"A.5.29", "Information security during disruption", "事業の中断・阻害時の情報セキュリティ"},
		{"A.5.30", "ICT readiness for business continuity", "事業継続のためのICTの備え"},
		{"A.5.31", "Legal, statutory, regulatory and contractual requirements", "法令、規制及び契約上の要求事項"},
		{"A.5.32", "Intellectual property rights", "知的財産権"},
		{"A.5.33", "Protection of records", "記録の保護"},
		{"A.5.34", "Privacy and protection of PII", "プライバシー及びPIIの保護"},
		{"A.5.35", "Independent review of information security", "情報セキュリティの独立したレビュー"},
		{"A.5.36", "Compliance with policies, rules and standards for information security", "情報セキュリティのための方針群、規則及び標準の順守"},
		{"A.5.37", "Documented operating procedures", "操作手順書"},
	}},
	{"A.6", ThemePeople, "People controls", "人的管理策", []isoItem{
		{"A.6.1", "Screening", "選考"},
		{"A.6.2", "Terms and conditions of employment", "雇用条件"},
		{"A.6.3", "Information security awareness, education and training", "情報セキュリティの意識向上、教育及び訓練"},
		{"A.6.4", "Disciplinary process", "懲戒手続"},
		{"A.6.5", "Responsibilities after termination or change of employment", "雇用の終了又は変更後の責任"},
		{"A.6.6", "Confidentiality or non-disclosure agreements", "秘密保持契約又は守秘義務契約"},
		{"A.6.7", "Remote working", "リモートワーク"},
		{"A.6.8", "Information security event reporting", "情報セキュリティ事象の報告"},
	}},
	{"A.7", ThemePhysical, "Physical controls", "物理的管理策", []isoItem{
		{"A.7.1", "Physical security perimeters", "物理的セキュリティ境界"},
		{"A.7.2", "Physical entry", "物理的入退"},
		{"A.7.3", "Securing offices, rooms and facilities", "オフィス、部屋及び施設のセキュリティ"},
		{"A.7.4", "Physical security monitoring", "物理的セキュリティの監視"},
		{"A.7.5", "Protecting against physical and environmental threats", "物理的及び環境的脅威からの保護"},
		{"A.7.6", "Working in secure areas", "セキュリティを保つべき領域での作業"},
		{"A.7.7", "Clear desk and clear screen", "クリアデスク・クリアスクリーン"},
		{"A.7.8", "Equipment siting and protection", "装置の設置及び保護"},
		{"A.7.9", "Security of assets off-premises", "構外にある資産のセキュリティ"},
		{"A.7.10", "Storage media", "記憶媒体"},
		{"A.7.11", "Supporting utilities", "サポートユーティリティ"},
		{"A.7.12", "Cabling security", "ケーブル配線のセキュリティ"},
		{"A.7.13", "Equipment maintenance", "装置の保守"},
		{"A.7.14", "Secure disposal or re-use of equipment", "装置のセキュリティを保った処分又は再利用"},
	}},
	{"A.8", ThemeTechnological, "Technological controls", "技術的管理策", []isoItem{
		{"A.8.1", "User endpoint devices", "利用者エンドポイント機器"},
		{"A.8.2", "Privileged access rights", "特権的アクセス権"},
		{"A.8.3", "Information access restriction", "情報へのアクセス制限"},
		{"A.8.4", "Access to source code", "ソースコードへのアクセス"},
		{"A.8.5", "Secure authentication", "セキュリティを保った認証"},
		{"A.8.6", "Capacity management", "容量・能力の管理"},
		{"A.8.7", "Protection against malware", "マルウェアに対する保護"},
		{"A.8.8", "Management of technical vulnerabilities", "技術的ぜい弱性の管理"},
		{"A.8.9", "Configuration management", "構成管理"},
		{"A.8.10", "Information deletion", "情報の削除"},
		{"A.8.11", "Data masking", "データマスキング"},
		{"A.8.12", "Data leakage prevention", "データ漏えいの防止"},
		{"A.8.13", "Information backup", "情報のバックアップ"},
		{"A.8.14", "Redundancy of information processing facilities", "情報処理施設の冗長性"},
		{"A.8.15", "Logging", "ログ取得"},
		{"A.8.16", "Monitoring activities", "監視活動"},
		{"A.8.17", "Clock synchronization", "クロックの同期"},
		{"A.8.18", "Use of privileged utility programs", "特権的なユーティリティプログラムの使用"},
		{"A.8.19", "Installation of software on operational systems", "運用システムへのソフトウェアの導入"},
		{"A.8.20", "Networks security", "ネットワークのセキュリティ"},
		{"A.8.21", "Security of network services", "ネットワークサービスのセキュリティ"},
		{"A.8.22", "Segregation of networks", "ネットワークの分離"},
		{"A.8.23", "Web filtering", "ウェブフィルタリング"},
		{"A.8.24", "Use of cryptography", "暗号の使用"},
		{"A.8.25", "Secure development life cycle", "セキュリティに配慮した開発のライフサイクル"},
		{"A.8.26", "Application security requirements", "アプリケーションのセキュリティの要求事項"},
		{"A.8.27", "Secure system architecture and engineering principles", "セキュリティに配慮したシステムアーキテクチャ及びシステム構築の原則"},
		{"A.8.28", "Secure coding", "セキュリティに配慮したコーディング"},
		{"A.8.29", "Security testing in development and acceptance", "開発及び受入れにおけるセキュリティ試験"},
		{"A.8.30", "Outsourced development", "外部委託による開発"},
		{"A.8.31", "Separation of development, test and production environments", "開発環境、試験環境及び本番環境の分離"},
		{"A.8.32", "Change management", "変更管理"},
		{"A.8.33", "Test information", "試験情報"},
		{"A.8.34", "Protection of information systems during audit testing", "監査試験中の情報システムの保護"},
	}},
}

// ISO27001Requirements returns the built-in framework's requirements in
// reading order: the clauses 4–10 (kind clause, sub-clauses under their
// clause), then the four Annex A themes (kind theme) each followed by its
// controls (kind control). A fresh slice each call: callers may change it.
func ISO27001Requirements() []Requirement {
	out := make([]Requirement, 0, len(isoClauses)+4+93)
	sort := 0
	next := func() int { sort++; return sort }
	for _, c := range isoClauses {
		parent := ""
		if i := strings.IndexByte(c.ref, '.'); i > 0 {
			parent = c.ref[:i]
		}
		out = append(out, Requirement{FrameworkKey: ISO27001Key, Ref: c.ref, Parent: parent, Kind: KindClause,
			TitleEN: c.en, TitleJA: c.ja, Sort: next()})
	}
	for _, th := range isoThemes {
		out = append(out, Requirement{FrameworkKey: ISO27001Key, Ref: th.ref, Kind: KindTheme, Theme: th.theme,
			TitleEN: th.en, TitleJA: th.ja, Sort: next()})
		for _, c := range th.controls {
			out = append(out, Requirement{FrameworkKey: ISO27001Key, Ref: c.ref, Parent: th.ref, Kind: KindControl,
				Theme: th.theme, TitleEN: c.en, TitleJA: c.ja, Sort: next()})
		}
	}
	return out
}

// AnnexAControls returns the 93 Annex A controls in order.
func AnnexAControls() []Requirement {
	var out []Requirement
	for _, r := range ISO27001Requirements() {
		if r.Kind == KindControl {
			out = append(out, r)
		}
	}
	return out
}

// IsAnnexAControl reports whether ref names an Annex A control.
func IsAnnexAControl(ref string) bool {
	for _, th := range isoThemes {
		for _, c := range th.controls {
			if c.ref == ref {
				return true
			}
		}
	}
	return false
}
