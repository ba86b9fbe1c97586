package web_test

import "testing"

// pdcaManagementReview holds the management review of the PDCA run.
func pdcaManagementReview(t *testing.T, p pdcaRun, x pdcaText, day func(int) string, riskPaths []string, auditPath, actionPath string) {
	t.Helper()
}
