package hikeshi

import "strings"

// The Reference Security Incident Taxonomy (RSIT, the ENISA/TF-CSIRT
// reference taxonomy), shipped as data in English and Japanese. An incident's
// Category holds a type key ("phishing") or, while the type is not yet known,
// a class key ("fraud").

// RSITType is one incident type of the taxonomy.
type RSITType struct {
	Key    string
	EN, JA string
}

// RSITClass is one incident class of the taxonomy with its types.
type RSITClass struct {
	Key    string
	EN, JA string
	Types  []RSITType
}

// RSIT is the taxonomy in its published order.
var RSIT = []RSITClass{
	{"abusive-content", "Abusive content", "不正なコンテンツ", []RSITType{
		{"spam", "Spam", "スパム"},
		{"harmful-speech", "Harmful speech", "有害な言論"},
		{"violence", "Child sexual exploitation, sexual or violent content", "児童性的搾取・性的または暴力的コンテンツ"},
	}},
	{"malicious-code", "Malicious code", "マルウェア", []RSITType{
		{"infected-system", "Infected system", "感染したシステム"},
		{"c2-server", "C2 server", "C2 サーバ"},
		{"malware-distribution", "Malware distribution", "マルウェアの配布"},
		{"malware-configuration", "Malware configuration", "マルウェアの設定情報"},
	}},
	{"information-gathering", "Information gathering", "情報収集", []RSITType{
		{"scanner", "Scanning", "スキャン"},
		{"sniffing", "Sniffing", "盗聴"},
		{"social-engineering", "Social engineering", "ソーシャルエンジニアリング"},
	}},
	{"intrusion-attempts", "Intrusion attempts", "侵入の試み", []RSITType{
		{"ids-alert", "Exploitation of known vulnerabilities", "既知の脆弱性の悪用の試み"},
		{"brute-force", "Login attempts", "ログイン試行（総当たり）"},
		{"exploit", "New attack signature", "新たな攻撃手法"},
	}},
	{"intrusions", "Intrusions", "侵入", []RSITType{
		{"privileged-account-compromise", "Privileged account compromise", "特権アカウントの侵害"},
		{"unprivileged-account-compromise", "Unprivileged account compromise", "一般アカウントの侵害"},
		{"application-compromise", "Application compromise", "アプリケーションの侵害"},
		{"system-compromise", "System compromise", "システムの侵害"},
		{"burglary", "Burglary", "物理的侵入・盗難"},
	}},
	{"availability", "Availability", "可用性", []RSITType{
		{"dos", "Denial of service", "サービス妨害（DoS）"},
		{"ddos", "Distributed denial of service", "分散型サービス妨害（DDoS）"},
		{"misconfiguration", "Misconfiguration", "設定の誤り"},
		{"sabotage", "Sabotage", "妨害行為"},
		{"outage", "Outage", "停止"},
	}},
	{"information-content-security", "Information content security", "情報の安全性", []RSITType{
		{"unauthorised-information-access", "Unauthorised access to information", "情報への不正アクセス"},
		{"unauthorised-information-modification", "Unauthorised modification of information", "情報の不正な改ざん"},
		{"data-loss", "Data loss", "データの消失"},
		{"data-leak", "Leak of confidential information", "機密情報の漏えい"},
	}},
	{"fraud", "Fraud", "詐欺", []RSITType{
		{"unauthorised-use-of-resources", "Unauthorised use of resources", "リソースの不正利用"},
		{"copyright", "Copyright", "著作権侵害"},
		{"masquerade", "Masquerade", "なりすまし"},
		{"phishing", "Phishing", "フィッシング"},
	}},
	{"vulnerable", "Vulnerable", "脆弱性", []RSITType{
		{"weak-crypto", "Weak cryptography", "脆弱な暗号"},
		{"ddos-amplifier", "DDoS amplifier", "DDoS 増幅に悪用可能なサービス"},
		{"potentially-unwanted-accessible", "Potentially unwanted accessible services", "不要に公開されたサービス"},
		{"information-disclosure", "Information disclosure", "情報の露出"},
		{"vulnerable-system", "Vulnerable system", "脆弱なシステム"},
	}},
	{"other", "Other", "その他", []RSITType{
		{"other", "Uncategorised", "未分類"},
		{"undetermined", "Undetermined", "判定不能"},
	}},
	{"test", "Test", "テスト", []RSITType{
		{"test", "Test", "テスト"},
	}},
}

// RSITLookup finds a category key, a class or a type ("other" is both; the
// class wins). ok is false for an unknown key.
func RSITLookup(key string) (class RSITClass, typ RSITType, ok bool) {
	for _, c := range RSIT {
		if c.Key == key {
			return c, RSITType{}, true
		}
	}
	for _, c := range RSIT {
		for _, t := range c.Types {
			if t.Key == key {
				return c, t, true
			}
		}
	}
	return RSITClass{}, RSITType{}, false
}

// RSITLabel is the category's name in the locale ("Fraud / Phishing"), or the
// key itself when unknown.
func RSITLabel(key string, l Locale) string {
	c, t, ok := RSITLookup(key)
	if !ok {
		return key
	}
	name := func(en, ja string) string {
		if l == LocaleJA {
			return ja
		}
		return en
	}
	parts := []string{name(c.EN, c.JA)}
	if t.Key != "" {
		parts = append(parts, name(t.EN, t.JA))
	}
	return strings.Join(parts, " / ")
}
