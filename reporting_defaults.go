package hikeshi

// The built-in report templates, one per kind and language. An organisation
// replaces any of them with its own (ReportTemplate); resetting returns to
// these. Placeholders in 【】 or [[ ]] mark what the CSIRT must fill in
// before a draft is sent.

// DefaultReportTemplate returns the built-in template of kind in lang.
func DefaultReportTemplate(kind ReportKind, lang Locale) string {
	ja := lang == LocaleJA
	switch kind {
	case ReportInternal:
		if ja {
			return internalJA
		}
		return internalEN
	case ReportAPPIPreliminary, ReportAPPIFinal:
		if ja {
			return appiJA
		}
		return appiEN
	case ReportGDPR:
		if ja {
			return gdprJA
		}
		return gdprEN
	case ReportNIS2EarlyWarning, ReportNIS2Notification, ReportNIS2Final:
		if ja {
			return nis2JA
		}
		return nis2EN
	case ReportPublicStatement:
		if ja {
			return publicJA
		}
		return publicEN
	}
	return ""
}

const internalJA = `# インシデント報告書: {{.Incident.Title}}

- 番号: {{.Incident.Number}}
- 取扱区分: {{.Incident.TLP}}
- 作成日時: {{.GeneratedAt}}
- 優先度: {{.Incident.Priority}}(影響度 {{.Incident.Impact}} / 緊急度 {{.Incident.Urgency}})
- 分類: {{or2 .Incident.Category "—"}}
- フェーズ: {{.Incident.Phase}}
- 担当者: {{or2 .Incident.Owner "未割り当て"}}

## 概要

{{or2 .Incident.Summary "(概要は記入されていません)"}}

## 主な日時

| 項目 | 日時 |
| --- | --- |
| 発見 | {{or2 .Incident.NoticedAt "—"}} |
| CSIRTへの報告 | {{or2 .Incident.ReportedAt "—"}} |
| インシデント登録 | {{or2 .Incident.CreatedAt "—"}} |
| トリアージ | {{or2 .Incident.TriagedAt "—"}} |
| 初動対応 | {{or2 .Incident.FirstResponseAt "—"}} |
| 封じ込め | {{or2 .Incident.ContainedAt "—"}} |
| 復旧 | {{or2 .Incident.RecoveredAt "—"}} |
| 完了 | {{or2 .Incident.ClosedAt "—"}} |

## タイムライン

{{if .Timeline}}| 日時 | 種別 | 内容 | 記録者 |
| --- | --- | --- | --- |
{{range .Timeline}}| {{.At}} | {{cell .Kind}} | {{cell .Text}} | {{cell (or2 .Author "システム")}} |
{{end}}{{if .TimelineTruncated}}
注: タイムラインが長いため、最初の {{.TimelineLimit}} 件だけを記載しています。全件は Hikeshi で確認してください。
{{end}}{{else}}記録はありません。
{{end}}
## 対応タスク

{{if .Tasks}}| タスク | 部署 | 担当者 | 状態 | 期限 | 完了 |
| --- | --- | --- | --- | --- | --- |
{{range .Tasks}}| {{cell .Title}} | {{cell .Department}} | {{cell (or2 .Assignee "—")}} | {{.Status}} | {{or2 .DueAt "—"}} | {{or2 .CompletedAt "—"}} |
{{end}}{{else}}タスクはありません。
{{end}}
## 期限(クロック)

{{if .Clocks}}| クロック | 状態 | 開始 | 期限 | 停止 |
| --- | --- | --- | --- | --- |
{{range .Clocks}}| {{.Name}} | {{.State}} | {{.StartedAt}} | {{.DueAt}} | {{or2 .StoppedAt "—"}} |
{{end}}{{else}}クロックはありません。
{{end}}
## 振り返りと教訓

{{if .HasReview}}- 状態: {{.Review.Status}}

### 根本原因

{{or2 .Review.RootCause "—"}}

### うまくいったこと

{{or2 .Review.WentWell "—"}}

### 変えること

{{or2 .Review.ToChange "—"}}
{{if .Lessons}}
### 教訓

{{range .Lessons}}- {{oneline .Text}}{{if .ProposedChange}} → {{oneline .ProposedChange}}{{end}}({{.Status}})
{{end}}{{end}}{{else}}振り返りはまだ行われていません。
{{end}}
## コミュニケーション記録

{{if .Communications}}| 日時 | 相手 | 手段 | 宛先 | 内容 | 対応する期限 |
| --- | --- | --- | --- | --- | --- |
{{range .Communications}}| {{.SentAt}} | {{.Audience}} | {{.Channel}} | {{cell (or2 .Recipient "—")}} | {{cell .Summary}} | {{or2 .Clock "—"}} |
{{end}}{{else}}記録はありません。
{{end}}
---

{{.Incident.TLP}}: この文書は表示された TLP に従って取り扱ってください。
`

const internalEN = `# Incident report: {{.Incident.Title}}

- Number: {{.Incident.Number}}
- Classification: {{.Incident.TLP}}
- Generated: {{.GeneratedAt}}
- Priority: {{.Incident.Priority}} (impact {{.Incident.Impact}} / urgency {{.Incident.Urgency}})
- Category: {{or2 .Incident.Category "—"}}
- Phase: {{.Incident.Phase}}
- Handler: {{or2 .Incident.Owner "unassigned"}}

## Summary

{{or2 .Incident.Summary "(no summary written)"}}

## Key times

| Step | Time |
| --- | --- |
| Noticed | {{or2 .Incident.NoticedAt "—"}} |
| Reported to the CSIRT | {{or2 .Incident.ReportedAt "—"}} |
| Opened | {{or2 .Incident.CreatedAt "—"}} |
| Triaged | {{or2 .Incident.TriagedAt "—"}} |
| First response | {{or2 .Incident.FirstResponseAt "—"}} |
| Contained | {{or2 .Incident.ContainedAt "—"}} |
| Recovered | {{or2 .Incident.RecoveredAt "—"}} |
| Closed | {{or2 .Incident.ClosedAt "—"}} |

## Timeline

{{if .Timeline}}| Time | Kind | What | By |
| --- | --- | --- | --- |
{{range .Timeline}}| {{.At}} | {{cell .Kind}} | {{cell .Text}} | {{cell (or2 .Author "system")}} |
{{end}}{{if .TimelineTruncated}}
Note: the timeline is long; only its first {{.TimelineLimit}} entries are listed. Hikeshi shows them all.
{{end}}{{else}}Nothing recorded.
{{end}}
## Tasks

{{if .Tasks}}| Task | Department | Assignee | Status | Due | Done |
| --- | --- | --- | --- | --- | --- |
{{range .Tasks}}| {{cell .Title}} | {{cell .Department}} | {{cell (or2 .Assignee "—")}} | {{.Status}} | {{or2 .DueAt "—"}} | {{or2 .CompletedAt "—"}} |
{{end}}{{else}}No tasks.
{{end}}
## Clocks

{{if .Clocks}}| Clock | State | Started | Due | Stopped |
| --- | --- | --- | --- | --- |
{{range .Clocks}}| {{.Name}} | {{.State}} | {{.StartedAt}} | {{.DueAt}} | {{or2 .StoppedAt "—"}} |
{{end}}{{else}}No clocks.
{{end}}
## Review and lessons

{{if .HasReview}}- Status: {{.Review.Status}}

### Root cause

{{or2 .Review.RootCause "—"}}

### What went well

{{or2 .Review.WentWell "—"}}

### What to change

{{or2 .Review.ToChange "—"}}
{{if .Lessons}}
### Lessons

{{range .Lessons}}- {{oneline .Text}}{{if .ProposedChange}} → {{oneline .ProposedChange}}{{end}} ({{.Status}})
{{end}}{{end}}{{else}}No review yet.
{{end}}
## Communication log

{{if .Communications}}| Sent | Audience | Channel | Recipient | Summary | Clock satisfied |
| --- | --- | --- | --- | --- | --- |
{{range .Communications}}| {{.SentAt}} | {{.Audience}} | {{.Channel}} | {{cell (or2 .Recipient "—")}} | {{cell .Summary}} | {{or2 .Clock "—"}} |
{{end}}{{else}}Nothing recorded.
{{end}}
---

{{.Incident.TLP}}: handle this document as its TLP label says.
`

const appiJA = `# 個人情報保護委員会への報告({{if eq .Kind "appi_final"}}確報{{else}}速報{{end}})案

- 事案: {{.Incident.Number}} {{.Incident.Title}}
- 取扱区分: {{.Incident.TLP}}
- 知った日時: {{or2 .Facts.AwareAt "【記入してください】"}}
- 報告期限: {{or2 .Clock.DueAt "—"}}
- 作成日時: {{.GeneratedAt}}

## 1. 概要

{{or2 .Incident.Summary "【事案の概要を記入してください】"}}

- 発覚日時: {{or2 .Incident.NoticedAt "【記入してください】"}}
- 発覚の経緯: 【記入してください】

## 2. 漏えい等が発生し、又は発生したおそれがある個人データの項目

【氏名、メールアドレス、電話番号など、項目を記入してください】

## 3. 漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数

【人数を記入してください(概数の場合はその旨)】

## 4. 原因

{{if .Review.RootCause}}{{.Review.RootCause}}{{else}}【判明している範囲で原因を記入してください】{{end}}
{{if .Facts.Malicious}}
不正の目的をもって行われたおそれがある行為によるものです。
{{end}}
## 5. 二次被害又はそのおそれの有無及びその内容

【記入してください】

## 6. 本人への対応の実施状況

{{range .Communications}}{{if eq .AudienceCode "customers"}}- {{.SentAt}}({{.Channel}}): {{oneline .Summary}}
{{end}}{{else}}【本人への連絡の状況を記入してください】
{{end}}
## 7. 公表の実施状況

{{range .Communications}}{{if eq .AudienceCode "press"}}- {{.SentAt}}({{.Channel}}): {{oneline .Summary}}
{{end}}{{else}}【公表の予定・状況を記入してください】
{{end}}
## 8. 再発防止のための措置

{{range .TasksDone}}- 実施済み: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- 実施中: {{oneline .Title}}
{{end}}{{if .Review.ToChange}}
{{.Review.ToChange}}
{{end}}
## 9. その他参考となる事項

{{range .Communications}}{{if or (eq .AudienceCode "jpcert") (eq .AudienceCode "police")}}- {{.SentAt}} {{.Audience}}: {{oneline .Summary}}
{{end}}{{end}}
`

const appiEN = `# Report to the Personal Information Protection Commission ({{if eq .Kind "appi_final"}}final{{else}}preliminary{{end}}): draft

- Incident: {{.Incident.Number}} {{.Incident.Title}}
- Classification: {{.Incident.TLP}}
- Became aware: {{or2 .Facts.AwareAt "[[fill in]]"}}
- Due: {{or2 .Clock.DueAt "—"}}
- Generated: {{.GeneratedAt}}

## 1. Overview

{{or2 .Incident.Summary "[[describe what happened]]"}}

- Discovered: {{or2 .Incident.NoticedAt "[[fill in]]"}}
- How it was discovered: [[fill in]]

## 2. Items of personal data leaked or possibly leaked

[[names, e-mail addresses, telephone numbers …]]

## 3. Number of people concerned

[[number, or say that it is an estimate]]

## 4. Cause

{{if .Review.RootCause}}{{.Review.RootCause}}{{else}}[[the cause as far as known]]{{end}}
{{if .Facts.Malicious}}
The breach was caused by an act that may have been malicious.
{{end}}
## 5. Secondary damage or its risk

[[fill in]]

## 6. Response to the people concerned

{{range .Communications}}{{if eq .AudienceCode "customers"}}- {{.SentAt}} ({{.Channel}}): {{oneline .Summary}}
{{end}}{{else}}[[how the people concerned were or will be told]]
{{end}}
## 7. Public announcement

{{range .Communications}}{{if eq .AudienceCode "press"}}- {{.SentAt}} ({{.Channel}}): {{oneline .Summary}}
{{end}}{{else}}[[planned or done]]
{{end}}
## 8. Measures to prevent recurrence

{{range .TasksDone}}- Done: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- Under way: {{oneline .Title}}
{{end}}{{if .Review.ToChange}}
{{.Review.ToChange}}
{{end}}
## 9. Other information

{{range .Communications}}{{if or (eq .AudienceCode "jpcert") (eq .AudienceCode "police")}}- {{.SentAt}} {{.Audience}}: {{oneline .Summary}}
{{end}}{{end}}
`

const gdprJA = `# 監督機関への個人データ侵害の通知(GDPR 第33条)案

- 事案: {{.Incident.Number}} {{.Incident.Title}}
- 取扱区分: {{.Incident.TLP}}
- 知った日時: {{or2 .Facts.AwareAt "【記入してください】"}}
- 通知期限(72時間): {{or2 .Clock.DueAt "—"}}

## (a) 侵害の性質

{{or2 .Incident.Summary "【侵害の内容を記入してください】"}}

- 関係するデータ主体の種類とおおよその数: 【記入してください】
- 関係する個人データの記録の種類とおおよその件数: 【記入してください】

## (b) データ保護責任者その他の連絡先

【氏名・連絡先を記入してください】

## (c) 侵害により生じうる結果

【記入してください】

## (d) 講じた措置又は講じる予定の措置

{{range .TasksDone}}- 実施済み: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- 実施中: {{oneline .Title}}
{{end}}- 悪影響を軽減するための措置: 【記入してください】

72時間を過ぎて通知する場合は、遅延の理由を記載してください。
`

const gdprEN = `# Notification of a personal data breach to the supervisory authority (GDPR Art. 33): draft

- Incident: {{.Incident.Number}} {{.Incident.Title}}
- Classification: {{.Incident.TLP}}
- Became aware: {{or2 .Facts.AwareAt "[[fill in]]"}}
- Due (72 hours): {{or2 .Clock.DueAt "—"}}

## (a) Nature of the breach

{{or2 .Incident.Summary "[[describe the breach]]"}}

- Categories and approximate number of data subjects concerned: [[fill in]]
- Categories and approximate number of personal data records concerned: [[fill in]]

## (b) Data protection officer or other contact point

[[name and contact details]]

## (c) Likely consequences of the breach

[[fill in]]

## (d) Measures taken or proposed

{{range .TasksDone}}- Done: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- Under way: {{oneline .Title}}
{{end}}- Measures to mitigate possible adverse effects: [[fill in]]

If this notification is made after 72 hours, give the reasons for the delay.
`

const nis2JA = `# NIS2 第23条 {{if eq .Kind "nis2_early_warning"}}早期警報{{else if eq .Kind "nis2_notification"}}インシデント通知{{else}}最終報告{{end}} 案

- 事案: {{.Incident.Number}} {{.Incident.Title}}
- 取扱区分: {{.Incident.TLP}}
- 知った日時: {{or2 .Facts.AwareAt "【記入してください】"}}
- 期限: {{or2 .Clock.DueAt "—"}}

## 概要

{{or2 .Incident.Summary "【記入してください】"}}
{{if eq .Kind "nis2_early_warning"}}
## 違法又は悪意ある行為によるものと疑われるか

{{if .Facts.Malicious}}疑われる{{else}}【記入してください】{{end}}

## 国境を越えた影響の可能性

【記入してください】
{{else if eq .Kind "nis2_notification"}}
## 早期警報の更新

【早期警報以降に判明したことを記入してください】

## 初期評価(深刻度と影響)

- 優先度: {{.Incident.Priority}}(影響度 {{.Incident.Impact}} / 緊急度 {{.Incident.Urgency}})
- 影響: 【記入してください】

## 侵害の痕跡(IoC)

【入手できる場合に記入してください】
{{else}}
## 詳細な説明(深刻度と影響を含む)

【記入してください】

## 脅威の種類又は根本原因

{{if .Review.RootCause}}{{.Review.RootCause}}{{else}}【記入してください】{{end}}

## 適用済み及び実施中の緩和措置

{{range .TasksDone}}- 実施済み: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- 実施中: {{oneline .Title}}
{{end}}
## 国境を越えた影響

【記入してください】
{{end}}`

const nis2EN = `# NIS2 Art. 23 {{if eq .Kind "nis2_early_warning"}}early warning{{else if eq .Kind "nis2_notification"}}incident notification{{else}}final report{{end}}: draft

- Incident: {{.Incident.Number}} {{.Incident.Title}}
- Classification: {{.Incident.TLP}}
- Became aware: {{or2 .Facts.AwareAt "[[fill in]]"}}
- Due: {{or2 .Clock.DueAt "—"}}

## Summary

{{or2 .Incident.Summary "[[fill in]]"}}
{{if eq .Kind "nis2_early_warning"}}
## Suspected unlawful or malicious act

{{if .Facts.Malicious}}Suspected.{{else}}[[fill in]]{{end}}

## Possible cross-border impact

[[fill in]]
{{else if eq .Kind "nis2_notification"}}
## Update of the early warning

[[what has been learned since the early warning]]

## Initial assessment: severity and impact

- Priority: {{.Incident.Priority}} (impact {{.Incident.Impact}} / urgency {{.Incident.Urgency}})
- Impact: [[fill in]]

## Indicators of compromise

[[where available]]
{{else}}
## Detailed description, with severity and impact

[[fill in]]

## Type of threat or root cause

{{if .Review.RootCause}}{{.Review.RootCause}}{{else}}[[fill in]]{{end}}

## Mitigation measures applied and ongoing

{{range .TasksDone}}- Applied: {{oneline .Title}}
{{end}}{{range .TasksOpen}}- Ongoing: {{oneline .Title}}
{{end}}
## Cross-border impact

[[fill in]]
{{end}}`

const publicJA = `# 【お知らせ】{{.Incident.Title}}について

このたび、当社において以下の事案が発生しました。関係する皆さまにご心配とご迷惑をおかけしますことを、深くお詫び申し上げます。

## 1. 発生した事案

{{or2 .Incident.Summary "【事案の概要を記入してください】"}}

## 2. これまでの対応

{{range .TasksDone}}- {{oneline .Title}}
{{else}}【実施した対応を記入してください】
{{end}}
## 3. 今後の対応

{{range .TasksOpen}}- {{oneline .Title}}
{{end}}【再発防止策を記入してください】

## 4. お客さまへのお願い

【不審なメールや連絡への注意など、お願いしたいことを記入してください】

## 5. お問い合わせ先

【窓口名・連絡先・受付時間を記入してください】
`

const publicEN = `# Notice: {{.Incident.Title}}

We are writing to let you know about the following incident. We sincerely apologise for the concern and inconvenience this may cause.

## 1. What happened

{{or2 .Incident.Summary "[[describe what happened]]"}}

## 2. What we have done

{{range .TasksDone}}- {{oneline .Title}}
{{else}}[[the response so far]]
{{end}}
## 3. What we will do

{{range .TasksOpen}}- {{oneline .Title}}
{{end}}[[measures to prevent recurrence]]

## 4. What we ask of you

[[e.g. be careful with unexpected mails or calls]]

## 5. Contact

[[contact point, address and hours]]
`
