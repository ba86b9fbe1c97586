package hikeshi

import (
	"fmt"
	"strings"
)

// This file holds the organisation patterns of the seed paper (sections 3–5,
// read in ../shared/spec/PATTERNS.md) as data: which kind of department is
// responsible for which activity under each of the six built-in templates,
// which kinds the template puts in one unit ("CSIRT inside the IT
// department"), what starts a review of measures, and the paper's reasons,
// which the pattern advisor (IN-3) shows. Everything here is pure: the
// functions build fresh values on every call, so callers may change what they
// get (an organisation edits cells) without touching anyone else's copy.
//
// The units are the department kinds of org.go: management, IT and CSIRT. A
// business unit (KindBusinessUnit) has no activity in any template. The
// database-backed responsibility matrix maps each kind onto one of the
// organisation's departments; Pattern.Units says which kinds must then map
// onto the same department.

// Activity is one of the seed's activities (実施事項) that a responsibility
// matrix assigns to a unit. It is the full list that routes work; the
// documents area's ISMSActivity is a coarser list for the RACI parts written
// into a department's responsibilities.
type Activity string

// The activities, in the order of the seed's tables. Risk assessment is named
// by the seed as ISMS work but not placed in its tables; every template
// defaults it to the unit responsible for rules (Assignment.Default).
const (
	ActivityBasicPolicy      Activity = "basic_policy"      // 基本方針の策定
	ActivityOrganisation     Activity = "organisation"      // 体制の整備
	ActivityRiskAssessment   Activity = "risk_assessment"   // リスクアセスメント
	ActivityRules            Activity = "rules"             // ルールの策定
	ActivityMeasures         Activity = "measures"          // 対策の実施
	ActivityMonitoring       Activity = "monitoring"        // モニタリング
	ActivityIncidentResponse Activity = "incident_response" // インシデント対応
	ActivityImprovement      Activity = "improvement"       // 対策の見直し・改善
	ActivityInternalAudit    Activity = "internal_audit"    // 内部監査
	ActivityManagementReview Activity = "management_review" // マネジメントレビュー
)

// Activities lists every activity in display order (a new slice on every call).
func Activities() []Activity {
	return []Activity{
		ActivityBasicPolicy, ActivityOrganisation, ActivityRiskAssessment, ActivityRules,
		ActivityMeasures, ActivityMonitoring, ActivityIncidentResponse, ActivityImprovement,
		ActivityInternalAudit, ActivityManagementReview,
	}
}

// Valid reports whether a is a known activity.
func (a Activity) Valid() bool {
	_, ok := activityLabels[a]
	return ok
}

// activityLabels is read-only: the names of the activities in both languages.
var activityLabels = map[Activity]Text{
	ActivityBasicPolicy:      {"Basic policy", "基本方針の策定"},
	ActivityOrganisation:     {"Organisation", "体制の整備"},
	ActivityRiskAssessment:   {"Risk assessment", "リスクアセスメント"},
	ActivityRules:            {"Rules", "ルールの策定"},
	ActivityMeasures:         {"Implementation of measures", "対策の実施"},
	ActivityMonitoring:       {"Monitoring", "モニタリング"},
	ActivityIncidentResponse: {"Incident response", "インシデント対応"},
	ActivityImprovement:      {"Review and improvement of measures", "対策の見直し・改善"},
	ActivityInternalAudit:    {"Internal audit", "内部監査"},
	ActivityManagementReview: {"Management review", "マネジメントレビュー"},
}

// Label names the activity in both languages; an unknown activity is named by
// its key.
func (a Activity) Label() Text {
	if t, ok := activityLabels[a]; ok {
		return t
	}
	return Text{string(a), string(a)}
}

// ActivitySide says which of the seed's two groups an activity belongs to.
type ActivitySide string

// The two sides: the management side runs the slow PDCA cycle, the field side
// the daily work and, with the CSIRT, the fast OODA loop.
const (
	SideManagement ActivitySide = "management" // 管理面の実施事項
	SideField      ActivitySide = "field"      // 現場の実施事項
)

// Side returns the group of a. Risk assessment goes with rules, on the field
// side, as its default placement does.
func (a Activity) Side() ActivitySide {
	switch a {
	case ActivityBasicPolicy, ActivityOrganisation, ActivityInternalAudit, ActivityManagementReview:
		return SideManagement
	}
	return SideField
}

// PatternUnitKinds lists the department kinds the templates assign work to,
// in the order of the seed's tables.
func PatternUnitKinds() []DepartmentKind {
	return []DepartmentKind{KindManagement, KindIT, KindCSIRT}
}

func isPatternKind(k DepartmentKind) bool {
	return k == KindManagement || k == KindIT || k == KindCSIRT
}

// Assignment is one cell of a matrix: the unit that answers for an
// activity and the units that do it together with it ("IT + CSIRT").
type Assignment struct {
	Lead DepartmentKind   // answers for the activity and receives its tasks; empty: nobody (invalid)
	With []DepartmentKind // do the work together with Lead; never Lead itself
	// Default marks a cell that the seed leaves open (risk assessment
	// everywhere, incident response under the traditional pattern): it is
	// PATTERNS.md's reading and the first cell an organisation should check.
	Default bool
}

// Kinds returns Lead followed by With.
func (r Assignment) Kinds() []DepartmentKind {
	return append([]DepartmentKind{r.Lead}, r.With...)
}

// Has reports whether k leads or takes part in the activity.
func (r Assignment) Has(k DepartmentKind) bool {
	if r.Lead == k {
		return true
	}
	for _, w := range r.With {
		if w == k {
			return true
		}
	}
	return false
}

// PatternMatrix assigns every activity to the units responsible for it.
type PatternMatrix map[Activity]Assignment

// Clone returns a deep copy of m.
func (m PatternMatrix) Clone() PatternMatrix {
	out := make(PatternMatrix, len(m))
	for a, r := range m {
		r.With = append([]DepartmentKind(nil), r.With...)
		out[a] = r
	}
	return out
}

// Validate refuses a matrix that leaves an activity with no responsible unit
// (one field error per such activity, naming it), names an unknown activity
// or kind, or lists a unit twice in one cell. The error is a
// *ValidationError; its fields are "matrix.<activity>".
func (m PatternMatrix) Validate() error {
	v := &ValidationError{}
	for _, a := range UnassignedActivities(func(a Activity) bool { return m[a].Lead != "" }) {
		v.Add("matrix."+string(a), "unassigned", "no unit is responsible for "+strings.ToLower(a.Label().EN))
	}
	for _, a := range sortedKeys(m) {
		r := m[a]
		f := "matrix." + string(a)
		if !a.Valid() {
			v.Add(f, "unknown", quoteShort(string(a))+" is not an activity")
			continue
		}
		if r.Lead != "" && !isPatternKind(r.Lead) {
			v.Add(f, "unknown", quoteShort(string(r.Lead))+" is not management, it or csirt")
		}
		seen := map[DepartmentKind]bool{r.Lead: true}
		for _, w := range r.With {
			switch {
			case !isPatternKind(w):
				v.Add(f, "unknown", quoteShort(string(w))+" is not management, it or csirt")
			case seen[w]:
				v.Add(f, "duplicate", fmt.Sprintf("%s is named twice for %s", w, strings.ToLower(a.Label().EN)))
			}
			seen[w] = true
		}
	}
	return v.Err()
}

// UnassignedActivities returns, in display order, the activities for which
// assigned reports false. A matrix stored per department uses it to apply the
// same rule as PatternMatrix.Validate: every activity needs a responsible unit.
func UnassignedActivities(assigned func(Activity) bool) []Activity {
	var out []Activity
	for _, a := range Activities() {
		if !assigned(a) {
			out = append(out, a)
		}
	}
	return out
}

// sortedKeys returns m's activities in display order, unknown ones last in
// byte order, so that error messages are stable.
func sortedKeys(m PatternMatrix) []Activity {
	out := make([]Activity, 0, len(m))
	for _, a := range Activities() {
		if _, ok := m[a]; ok {
			out = append(out, a)
		}
	}
	var unknown []Activity
	for a := range m {
		if !a.Valid() {
			unknown = append(unknown, a)
		}
	}
	for i := 1; i < len(unknown); i++ { // insertion sort: a handful at most
		for j := i; j > 0 && unknown[j] < unknown[j-1]; j-- {
			unknown[j], unknown[j-1] = unknown[j-1], unknown[j]
		}
	}
	return append(out, unknown...)
}

// quoteShort quotes s, cut to 60 bytes, for naming bad input in messages;
// %q escapes control characters.
func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ImprovementTrigger is what starts a review of measures under a pattern.
type ImprovementTrigger string

// The two triggers of the seed.
const (
	// TriggerAuditResults: the management side reviews measures from internal
	// audit (and management review) results, every few months to a year; a
	// lesson waits for the next audit.
	TriggerAuditResults ImprovementTrigger = "audit_results"
	// TriggerIncidentResults: the field reviews measures from incident
	// results as they come, in real time.
	TriggerIncidentResults ImprovementTrigger = "incident_results"
)

// RealTime reports whether a lesson reaches the improvement unit at once.
func (t ImprovementTrigger) RealTime() bool { return t == TriggerIncidentResults }

// Label describes the trigger in both languages.
func (t ImprovementTrigger) Label() Text {
	switch t {
	case TriggerAuditResults:
		return Text{"Internal audit results, every few months to a year", "内部監査の結果（数か月から1年間隔）"}
	case TriggerIncidentResults:
		return Text{"Incident results, in real time", "インシデント対応の結果（リアルタイム）"}
	}
	return Text{string(t), string(t)}
}

// PatternKey names a built-in template.
type PatternKey string

// The six templates: the two models of section 5.1 and the four CSIRT
// placements of section 5.2.
const (
	PatternTraditional   PatternKey = "traditional"    // 従来型 (table 2)
	PatternFieldDriven   PatternKey = "field_driven"   // 現場主体型 (table 4)
	PatternIndependent   PatternKey = "independent"    // 独立型 (table 5)
	PatternITLed         PatternKey = "it_led"         // 情報システム部門主導型 (table 6)
	PatternManagementLed PatternKey = "management_led" // マネジメント部門主導型 (table 7)
	PatternIntegrated    PatternKey = "integrated"     // 統合型 (table 8)
)

// PatternKeys lists the templates in the seed's order.
func PatternKeys() []PatternKey {
	return []PatternKey{PatternTraditional, PatternFieldDriven, PatternIndependent,
		PatternITLed, PatternManagementLed, PatternIntegrated}
}

// Valid reports whether k names a built-in template.
func (k PatternKey) Valid() bool {
	for _, v := range PatternKeys() {
		if k == v {
			return true
		}
	}
	return false
}

// PatternUnit is one organisational unit of a template: the department kinds it
// holds, the host first. {KindIT, KindCSIRT} is "an IT department with the
// CSIRT inside"; a single kind is a unit of its own.
type PatternUnit []DepartmentKind

// Has reports whether u holds k.
func (u PatternUnit) Has(k DepartmentKind) bool {
	for _, x := range u {
		if x == k {
			return true
		}
	}
	return false
}

// Suitability is the kind of organisation the seed says a template suits.
type Suitability string

// The seed's two profiles; the empty value means the seed says nothing.
const (
	SuitsLargeManyIncidents Suitability = "large_many_incidents" // 規模が大きく、インシデントが多い組織
	SuitsSmallFewIncidents  Suitability = "small_few_incidents"  // 規模が小さく、インシデントが少ない組織
)

// Pattern is one built-in template of the responsibility matrix.
type Pattern struct {
	Key  PatternKey
	Name Text
	// Units are the template's organisational units. Every kind in the
	// matrix belongs to exactly one unit; the traditional template has no
	// CSIRT.
	Units []PatternUnit
	// Matrix assigns every activity (Validate checks it).
	Matrix PatternMatrix
	// Trigger is what starts a review of measures. How often audits run is
	// the organisation's audit programme, not the template's.
	Trigger ImprovementTrigger
	// Suits is the organisation the seed says the template suits; empty
	// when it says nothing.
	Suits Suitability
	// Reasons are the seed's remarks on the template, paraphrased, for the
	// advisor: the first is what the template is, the rest its merits and
	// risks.
	Reasons []Text
	// Source is where the seed describes the template.
	Source string
}

// UnitOf returns the unit that holds k, or nil.
func (p Pattern) UnitOf(k DepartmentKind) PatternUnit {
	for _, u := range p.Units {
		if u.Has(k) {
			return u
		}
	}
	return nil
}

// CSIRTInside returns the kind of the department the CSIRT sits inside
// ("CSIRT inside department X"), or "" when the CSIRT is a unit of its own
// or absent. Under the integrated template it is the management department,
// the host of the one unit.
func (p Pattern) CSIRTInside() DepartmentKind {
	u := p.UnitOf(KindCSIRT)
	if len(u) < 2 {
		return ""
	}
	return u[0]
}

// SameUnit reports whether the template puts a and b in one unit.
func (p Pattern) SameUnit(a, b DepartmentKind) bool {
	u := p.UnitOf(a)
	return u != nil && u.Has(b)
}

// Validate checks the template: a known key, a valid matrix, units that hold
// each kind at most once, and every kind of the matrix in some unit.
func (p Pattern) Validate() error {
	v := &ValidationError{}
	if !p.Key.Valid() {
		v.Add("key", "unknown", quoteShort(string(p.Key))+" is not a built-in pattern")
	}
	if p.Trigger != TriggerAuditResults && p.Trigger != TriggerIncidentResults {
		v.Add("trigger", "unknown", "trigger must be audit_results or incident_results")
	}
	if err := p.Matrix.Validate(); err != nil {
		v.Fields = append(v.Fields, err.(*ValidationError).Fields...)
	}
	seen := map[DepartmentKind]bool{}
	for _, u := range p.Units {
		for _, k := range u {
			if !isPatternKind(k) || seen[k] {
				v.Add("units", "invalid", quoteShort(string(k))+" is not a kind or is in two units")
			}
			seen[k] = true
		}
	}
	for _, a := range Activities() {
		for _, k := range p.Matrix[a].Kinds() {
			if k != "" && isPatternKind(k) && !seen[k] {
				v.Add("units", "missing", fmt.Sprintf("%s is responsible for %s but in no unit", k, strings.ToLower(a.Label().EN)))
			}
		}
	}
	return v.Err()
}

// kindLabels names the pattern kinds as the seed does.
var kindLabels = map[DepartmentKind]Text{
	KindManagement: {"Management", "マネジメント部門"},
	KindIT:         {"IT", "情報システム部門"},
	KindCSIRT:      {"CSIRT", "CSIRT"},
}

func kindLabel(k DepartmentKind) Text {
	if t, ok := kindLabels[k]; ok {
		return t
	}
	return Text{string(k), string(k)}
}

// CellText renders a's cell the way the seed's tables read: "IT + CSIRT",
// "IT (+CSIRT inside)", "one unit", with "(default)" on a cell the seed
// leaves open.
func (p Pattern) CellText(a Activity) Text {
	r, ok := p.Matrix[a]
	if !ok || r.Lead == "" {
		return Text{"—", "—"}
	}
	var t Text
	if lead := p.UnitOf(r.Lead); len(p.Units) == 1 && len(lead) > 1 {
		t = Text{"One unit", "同一組織"}
	} else {
		t = kindLabel(r.Lead)
		for _, w := range r.With {
			wl := kindLabel(w)
			if p.SameUnit(r.Lead, w) {
				t.EN += " (+" + wl.EN + " inside)"
				t.JA += "（" + wl.JA + "を含む）"
			} else {
				t.EN += " + " + wl.EN
				t.JA += "＋" + wl.JA
			}
		}
	}
	if r.Default {
		t.EN += " (default)"
		t.JA += "（既定）"
	}
	return t
}

// Patterns returns the six built-in templates in the seed's order, built
// afresh on every call.
func Patterns() []Pattern {
	out := make([]Pattern, 0, 6)
	for _, k := range PatternKeys() {
		p, _ := PatternByKey(k)
		out = append(out, p)
	}
	return out
}

// PatternByKey returns the built-in template k, built afresh.
func PatternByKey(k PatternKey) (Pattern, bool) {
	M, I, C := KindManagement, KindIT, KindCSIRT
	one := func(k DepartmentKind) Assignment { return Assignment{Lead: k} }
	with := func(k DepartmentKind, w ...DepartmentKind) Assignment { return Assignment{Lead: k, With: w} }
	// matrix fills a template's cells from the seed's columns: management
	// side, rules, field work (measures, monitoring), incident response,
	// improvement. Risk assessment copies rules, marked as a default.
	matrix := func(mgmt, rules, field, ir, improve Assignment) PatternMatrix {
		risk := rules
		risk.With = append([]DepartmentKind(nil), rules.With...)
		risk.Default = true
		clone := func(r Assignment) Assignment {
			r.With = append([]DepartmentKind(nil), r.With...)
			return r
		}
		return PatternMatrix{
			ActivityBasicPolicy:      clone(mgmt),
			ActivityOrganisation:     clone(mgmt),
			ActivityRiskAssessment:   risk,
			ActivityRules:            clone(rules),
			ActivityMeasures:         clone(field),
			ActivityMonitoring:       clone(field),
			ActivityIncidentResponse: clone(ir),
			ActivityImprovement:      clone(improve),
			ActivityInternalAudit:    clone(mgmt),
			ActivityManagementReview: clone(mgmt),
		}
	}
	switch k {
	case PatternTraditional:
		ir := one(I)
		ir.Default = true // the seed does not say who handles incidents here
		return Pattern{
			Key:     k,
			Name:    Text{"Traditional", "従来型"},
			Units:   []PatternUnit{{M}, {I}},
			Matrix:  matrix(one(M), one(M), one(I), ir, one(M)),
			Trigger: TriggerAuditResults,
			Reasons: []Text{
				{"The management department writes the rules and the IT department carries out the measures.",
					"マネジメント部門が策定したルールに基づき、情報システム部門が対策を実施する。"},
				{"The management department reviews measures from internal audit results, so improvement is not real time but every few months to a year.",
					"対策の見直し・改善はマネジメント部門が内部監査の結果を用いて行うため、リアルタイムではなく数か月から1年間隔になる。"},
				{"The seed does not say who handles incidents; this template assigns them to the IT department as a default.",
					"インシデント対応の担当は論文に明記がないため、既定として情報システム部門に割り当てている。"},
			},
			Source: "seed §5.1, table 2",
		}, true
	case PatternFieldDriven:
		return Pattern{
			Key:     k,
			Name:    Text{"Field-driven", "現場主体型"},
			Units:   []PatternUnit{{M}, {I}, {C}},
			Matrix:  matrix(one(M), one(I), one(I), with(I, C), one(I)),
			Trigger: TriggerIncidentResults,
			Reasons: []Text{
				{"The IT department writes the rules, carries out the measures and improves them from the results of incident response.",
					"情報システム部門がルールの策定・対策の実施を行い、インシデント対応の結果を反映して対策を見直し・改善する。"},
				{"Review and improvement of measures runs together with incident response, in real time.",
					"対策の見直し・改善がインシデント対応と連動してリアルタイムで行われる。"},
				{"Rules fixed in advance cannot cope with the unpredictable; the field needs to take part in writing the exceptions.",
					"事前に定めたルールでは予測不可能な状況への柔軟な対応が困難であり、現場が例外規定の策定に参加する必要がある。"},
			},
			Source: "seed §5.1, table 4",
		}, true
	case PatternIndependent:
		return Pattern{
			Key:     k,
			Name:    Text{"Independent", "独立型"},
			Units:   []PatternUnit{{M}, {I}, {C}},
			Matrix:  matrix(one(M), one(I), one(I), with(C, I), one(I)),
			Trigger: TriggerIncidentResults,
			Suits:   SuitsLargeManyIncidents,
			Reasons: []Text{
				{"Management, IT and the CSIRT are separate units; the CSIRT handles incidents with the IT department, which improves the measures from the results.",
					"マネジメント部門、情報システム部門、CSIRT がそれぞれ異なる組織で、CSIRT が情報システム部門と連携してインシデント対応を行い、その結果を反映して情報システム部門が対策を見直し・改善する。"},
				{"The CSIRT can concentrate on incidents, so few people can handle many incidents.",
					"CSIRT がインシデント対応に集中できるため、少人数で多くのインシデントに対応できる。"},
				{"Suits large organisations with many incidents, where roles and functions can be split.",
					"インシデントの発生が多く、役割・機能の分担が可能な規模の大きな組織に適する。"},
				{"A small organisation with few incidents and few people need not insist on it.",
					"規模の小さな組織はインシデントが少なく要員も限られるので、独立型にこだわる必要はない。"},
			},
			Source: "seed §5.2 (1), table 5",
		}, true
	case PatternITLed:
		itc := with(I, C)
		return Pattern{
			Key:     k,
			Name:    Text{"IT-led", "情報システム部門主導型"},
			Units:   []PatternUnit{{M}, {I, C}},
			Matrix:  matrix(one(M), itc, itc, itc, itc),
			Trigger: TriggerIncidentResults,
			Suits:   SuitsSmallFewIncidents,
			Reasons: []Text{
				{"The CSIRT is inside the IT department, which writes the rules, carries out the measures and improves them from the results of incident response.",
					"CSIRT を含む情報システム部門がルールの策定・対策の実施を行い、インシデント対応の結果を反映して対策を見直し・改善する。"},
				{"Suits small organisations with few incidents; efficient with few people.",
					"インシデントの発生が少ない規模の小さな組織に適し、少ない要員で効率的に取り組める。"},
				{"Roles are not split inside the IT department, so the CSIRT does routine work such as measures and monitoring beside incidents; with many incidents, emergencies delay the review and improvement of measures.",
					"情報システム部門内で役割が分かれていないため、CSIRT は対策実施やモニタリングなどの日常業務をこなしながらインシデント対応も行う。インシデントが多いと緊急時の対応に追われ、対策の見直し・改善が遅れる恐れがある。"},
				{"Balancing incident response with the field's work is its problem.",
					"インシデント対応と現場の実施事項の両立が課題となる。"},
			},
			Source: "seed §5.2 (2), table 6",
		}, true
	case PatternManagementLed:
		mc := with(M, C)
		return Pattern{
			Key:     k,
			Name:    Text{"Management-led", "マネジメント部門主導型"},
			Units:   []PatternUnit{{M, C}, {I}},
			Matrix:  matrix(mc, one(I), one(I), mc, one(I)),
			Trigger: TriggerIncidentResults,
			Suits:   SuitsSmallFewIncidents,
			Reasons: []Text{
				{"The CSIRT is inside the management department, which handles incidents along with policy and internal audit; the IT department improves the measures from the results.",
					"CSIRT を含むマネジメント部門が方針の策定や内部監査とともにインシデント対応を行い、その結果を反映して情報システム部門が対策を見直し・改善する。"},
				{"Suits small organisations with few incidents; efficient with few people.",
					"インシデントの発生が少ない規模の小さな組織に適し、少ない要員で効率的に取り組める。"},
				{"Incident response and the field's work sit in different units, so balancing them is easier than in the IT-led pattern.",
					"インシデント対応と現場の実施事項を異なる組織で行うため、情報システム部門主導型よりも両立が容易である。"},
				{"Emergencies may disturb internal audit, but the IT department can still improve measures quickly, as in the independent pattern.",
					"緊急時の対応に追われ内部監査等に支障が出る可能性があるが、対策の見直し・改善は独立型と同様に情報システム部門で速やかに実施できる。"},
			},
			Source: "seed §5.2 (3), table 7",
		}, true
	case PatternIntegrated:
		all := with(M, I, C)
		return Pattern{
			Key:     k,
			Name:    Text{"Integrated", "統合型"},
			Units:   []PatternUnit{{M, I, C}},
			Matrix:  matrix(all, all, all, all, all),
			Trigger: TriggerAuditResults,
			Suits:   SuitsSmallFewIncidents,
			Reasons: []Text{
				{"Management, IT and the CSIRT are one unit that does every activity.",
					"マネジメント部門、情報システム部門、CSIRT がすべて同一組織で、すべての実施事項を行う。"},
				{"Close to the traditional pattern, so review and improvement of measures may be slow.",
					"従来型に近く、対策の見直し・改善などが遅くなる恐れがある。"},
				{"Suits small organisations with few incidents.",
					"インシデントの発生が少ない規模の小さな組織に適する。"},
				{"Because it handles every activity, whether and how far to do the management-side activities is the question.",
					"すべての実施事項を扱うため、特に管理面の実施事項について実施の有無や度合いが課題となる。"},
			},
			Source: "seed §5.2 (4), table 8",
		}, true
	}
	return Pattern{}, false
}

// PatternFindings returns the seed's conclusions that hold for every
// template, for the advisor to show beside the ranking.
func PatternFindings() []Text {
	return []Text{
		{"Incident response and the field's work are best done in different units.",
			"インシデント対応と現場の実施事項は、異なる組織で実施するのが望ましい。"},
		{"Giving the CSIRT management-side roles is risky: the two kinds of work need different speeds, the CSIRT's workload grows beyond need, and a CSIRT chased by emergencies has no time for routine work.",
			"CSIRT に管理面の役割を持たせることにはリスクがある。両者は求められる速さが異なり、CSIRT の業務が必要以上に肥大化し、緊急対応に追われる CSIRT には日常業務の時間がない。"},
		{"The traditional ISMS runs on a yearly cycle and cannot keep up with threats that call for quick measures; field-driven work centred on the CSIRT is expected to grow.",
			"従来の ISMS は1年をサイクルとした取り組みであり即応性が求められる対策に十分に対応できないため、今後は CSIRT を中心とした現場主体の取り組みが増加すると考えられる。"},
	}
}
