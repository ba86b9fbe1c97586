package sim

import "strings"

// RangeOf returns the range Validate accepts for a field named as in its
// errors ("staff.csirt", "effort.contain.mean_hours"), so that a caller can
// word the refusal in its own language. ok is false for a field without a
// numeric range (a distribution's kind, a pattern).
func RangeOf(field string) (lo, hi float64, ok bool) {
	switch field {
	case "years":
		return MinYears, MaxYears, true
	case "incidents_per_year":
		return 0, MaxIncidentsPerYear, true
	case "staff.management", "staff.it":
		return 1, MaxStaff, true
	case "staff.csirt":
		return 0, MaxStaff, true
	case "lesson_share":
		return 0, 1, true
	case "routine.management", "routine.it", "routine.csirt":
		return 0, MaxRoutineShare, true
	case "routine.task.mean_hours":
		return MinTaskHours, MaxTaskHours, true
	case "audit_every_months":
		return MinAuditMonths, MaxAuditMonths, true
	}
	if strings.HasPrefix(field, "effort.") || strings.HasPrefix(field, "routine.task.") {
		switch {
		case strings.HasSuffix(field, ".mean_hours"):
			return 0, MaxEffortHours, true
		case strings.HasSuffix(field, ".cv"):
			return 0, MaxCV, true
		}
	}
	return 0, 0, false
}
