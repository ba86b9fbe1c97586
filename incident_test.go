package hikeshi_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
)

func TestCheckTransition(t *testing.T) {
	D, I, R, P, C := hikeshi.PhaseDiscovery, hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery,
		hikeshi.PhaseRecurrencePrevention, hikeshi.PhaseClosed
	for _, tc := range []struct {
		from, to hikeshi.Phase
		code     string // "" = allowed
	}{
		{D, I, ""}, {I, R, ""}, {R, P, ""}, {P, C, ""},
		{I, D, ""}, {R, I, ""}, {P, R, ""},
		{D, R, "skip"}, {D, C, "skip"}, {I, P, "skip"}, {P, D, "skip"},
		{D, D, "same_phase"}, {C, C, "same_phase"},
		{C, P, "reopen_required"}, {C, D, "reopen_required"},
		{D, "bogus", "unknown_phase"}, {"", I, "unknown_phase"},
	} {
		err := hikeshi.CheckTransition(tc.from, tc.to)
		var te *hikeshi.TransitionError
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s → %s refused: %v", tc.from, tc.to, err)
		case tc.code != "" && (!errors.As(err, &te) || te.Code != tc.code || te.Reason == "" || !errors.Is(err, hikeshi.ErrInvalid)):
			t.Errorf("%s → %s: %v, want code %s", tc.from, tc.to, err, tc.code)
		}
	}
	if err := hikeshi.CheckReopen(C); err != nil {
		t.Errorf("reopen closed: %v", err)
	}
	if err := hikeshi.CheckReopen(R); err == nil {
		t.Error("reopened an open incident")
	}
	if got := hikeshi.AllowedTransitions(R); !slices.Equal(got, []hikeshi.Phase{I, P}) {
		t.Errorf("allowed from recovery: %v", got)
	}
	if got := hikeshi.AllowedTransitions(C); len(got) != 0 {
		t.Errorf("allowed from closed: %v", got)
	}
}

func TestEnterPhaseSetsWorkflowTimes(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	i := hikeshi.Incident{Phase: hikeshi.PhaseDiscovery, CreatedAt: t0}
	i = hikeshi.EnterPhase(i, hikeshi.PhaseInitialResponse, at(1))
	i = hikeshi.EnterPhase(i, hikeshi.PhaseRecovery, at(2))
	i = hikeshi.EnterPhase(i, hikeshi.PhaseInitialResponse, at(3)) // a step back keeps the times
	i = hikeshi.EnterPhase(i, hikeshi.PhaseRecovery, at(4))
	i = hikeshi.EnterPhase(i, hikeshi.PhaseRecurrencePrevention, at(5))
	i = hikeshi.EnterPhase(i, hikeshi.PhaseClosed, at(6))
	want := hikeshi.Incident{Phase: hikeshi.PhaseClosed, CreatedAt: t0, TriagedAt: at(1), ContainedAt: at(2),
		RecoveredAt: at(5), ClosedAt: at(6), UpdatedAt: at(6)}
	if diff := cmp.Diff(want, i); diff != "" {
		t.Errorf("times (-want +got):\n%s", diff)
	}
	i = hikeshi.EnterPhase(i, hikeshi.ReopenPhase, at(7))
	if !i.ClosedAt.IsZero() || i.Phase != hikeshi.PhaseRecurrencePrevention || !i.RecoveredAt.Equal(at(5)) {
		t.Errorf("reopened: %+v", i)
	}
}

func TestPriorityMatrix(t *testing.T) {
	for _, tc := range []struct {
		impact, urgency hikeshi.Level
		want            hikeshi.Priority
	}{
		{1, 1, 1}, {1, 4, 2}, {4, 1, 2}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}, {2, 4, 3}, {0, 1, 0}, {1, 5, 0},
	} {
		if got := hikeshi.DefaultPriority(tc.impact, tc.urgency); got != tc.want {
			t.Errorf("impact %d × urgency %d = P%d, want P%d", tc.impact, tc.urgency, got, tc.want)
		}
	}
	// The default matrix is symmetric and never less urgent as either input rises.
	m := hikeshi.DefaultPriorityMatrix
	for i := range 4 {
		for j := range 4 {
			if m[i][j] != m[j][i] || (i > 0 && m[i][j] < m[i-1][j]) || (j > 0 && m[i][j] < m[i][j-1]) {
				t.Errorf("matrix not monotone/symmetric at %d,%d", i, j)
			}
		}
	}
}

func TestTLP(t *testing.T) {
	for _, tc := range []struct {
		tlp        hikeshi.TLP
		valid      bool
		restricted bool
	}{
		{hikeshi.TLPClear, true, false}, {hikeshi.TLPGreen, true, false}, {hikeshi.TLPAmber, true, false},
		{hikeshi.TLPAmberStrict, true, true}, {hikeshi.TLPRed, true, true}, {"WHITE", false, false}, {"red", false, false},
	} {
		if tc.tlp.Valid() != tc.valid || tc.tlp.Restricted() != tc.restricted {
			t.Errorf("%s: valid %v restricted %v", tc.tlp, tc.tlp.Valid(), tc.tlp.Restricted())
		}
	}
}

func TestOODALoops(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var steps []hikeshi.OODAStep
	for i, k := range []hikeshi.OODAKind{"observe", "orient", "observe", "decide", "act", "act", "observe", "orient", "decide", "act", "observe"} {
		steps = append(steps, hikeshi.OODAStep{Kind: k, At: t0.Add(time.Duration(i*i) * time.Minute)})
	}
	stats, loops := hikeshi.OODALoops(steps)
	if loops != 3 {
		t.Errorf("loops = %d, want 3", loops)
	}
	var gotLoops []int
	for _, s := range stats {
		gotLoops = append(gotLoops, s.Loop)
	}
	if want := []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3}; !slices.Equal(gotLoops, want) {
		t.Errorf("loops per step %v, want %v", gotLoops, want)
	}
	if stats[0].Duration != time.Minute || stats[3].Duration != 7*time.Minute || stats[10].Duration != 0 {
		t.Errorf("durations %v %v %v", stats[0].Duration, stats[3].Duration, stats[10].Duration)
	}
	if _, n := hikeshi.OODALoops(nil); n != 0 {
		t.Errorf("no steps: %d loops", n)
	}
}

func TestRSIT(t *testing.T) {
	want := []string{"abusive-content", "malicious-code", "information-gathering", "intrusion-attempts", "intrusions",
		"availability", "information-content-security", "fraud", "vulnerable", "other", "test"}
	var got []string
	seen := map[string]bool{}
	for _, c := range hikeshi.RSIT {
		got = append(got, c.Key)
		if c.EN == "" || c.JA == "" || len(c.Types) == 0 {
			t.Errorf("class %s incomplete", c.Key)
		}
		for _, ty := range c.Types {
			if ty.EN == "" || ty.JA == "" || (seen[ty.Key] && ty.Key != c.Key) {
				t.Errorf("type %s incomplete or repeated", ty.Key)
			}
			seen[ty.Key] = true
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("classes %v", got)
	}
	if l := hikeshi.RSITLabel("phishing", hikeshi.LocaleJA); l != "詐欺 / フィッシング" {
		t.Errorf("label %q", l)
	}
	if l := hikeshi.RSITLabel("fraud", hikeshi.LocaleEN); l != "Fraud" {
		t.Errorf("label %q", l)
	}
	if _, _, ok := hikeshi.RSITLookup("culprit"); ok {
		t.Error("unknown key found")
	}
}

func TestIncidentNumber(t *testing.T) {
	if got := hikeshi.IncidentNumber(2026, 42); got != "INC-2026-0042" {
		t.Errorf("number %s", got)
	}
	if got := hikeshi.IncidentCounter(2026); got != "incident-2026" {
		t.Errorf("counter %s", got)
	}
}

func TestIncidentReportedKeepsTheEarliest(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	inc := hikeshi.Incident{ReportedAt: t0}
	inc = inc.Reported(time.Time{}, t0.Add(time.Hour))
	if !inc.ReportedAt.Equal(t0) || !inc.NoticedAt.IsZero() {
		t.Errorf("a later report moved the times: %+v", inc)
	}
	inc = inc.Reported(t0.Add(-2*time.Hour), t0.Add(-time.Hour))
	if !inc.ReportedAt.Equal(t0.Add(-time.Hour)) || !inc.NoticedAt.Equal(t0.Add(-2*time.Hour)) {
		t.Errorf("an earlier report did not: %+v", inc)
	}
	inc = inc.Reported(t0.Add(-time.Hour), time.Time{})
	if !inc.NoticedAt.Equal(t0.Add(-2 * time.Hour)) {
		t.Errorf("a later noticed time won: %+v", inc)
	}
}
