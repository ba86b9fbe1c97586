package sim_test

import (
	"context"
	"math"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/sim"
)

// erlangC is the probability that an arriving customer waits in an M/M/c
// queue with offered load a = λ/μ (Erlang's C formula):
//
//	C(c, a) = (a^c / c!) / (1 − ρ) ÷ ( Σ_{k=0}^{c−1} a^k / k!  +  (a^c / c!) / (1 − ρ) ),  ρ = a/c < 1
//
// and the mean wait in the queue is Wq = C(c, a) / (cμ − λ). See L. Kleinrock,
// Queueing Systems, Volume 1: Theory (Wiley, 1975), section 3.5, "M/M/m: the
// m-server case", or D. Gross and C. M. Harris, Fundamentals of Queueing
// Theory, section 2.3.
func erlangC(c int, a float64) float64 {
	rho := a / float64(c)
	term, sum := 1.0, 0.0 // term = a^k / k!
	for k := range c {
		sum += term
		term *= a / float64(k+1)
	}
	last := term / (1 - rho)
	return last / (sum + last)
}

func erlangWq(c int, lambda, mu float64) float64 {
	return erlangC(c, lambda/mu) / (float64(c)*mu - lambda)
}

// mmc configures the simulator as an M/M/c queue: Poisson arrivals at
// lambda per hour, one exponential phase (containment) with rate mu per
// hour, c handlers in one unit (the traditional pattern's IT department, with
// no CSIRT), no routine work, no lessons and so no improvement or gating.
// Its first-response wait is then the queue's waiting time.
func mmc(c int, lambda, mu, years float64) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Seed = 20260301
	cfg.Years = years
	cfg.IncidentsPerYear = lambda * sim.HoursPerYear
	cfg.Staff = sim.Staff{Management: 1, IT: c, CSIRT: 0}
	cfg.Effort.Triage = sim.Dist{Kind: sim.Exponential, MeanHours: 0}
	cfg.Effort.Contain = sim.Dist{Kind: sim.Exponential, MeanHours: 1 / mu}
	cfg.Effort.Recover = sim.Dist{Kind: sim.Exponential, MeanHours: 0}
	cfg.LessonShare = 0
	cfg.Routine = sim.Routine{Task: cfg.Routine.Task}
	cfg.Patterns = []hikeshi.PatternKey{hikeshi.PatternTraditional}
	return cfg
}

// TestErlangC validates the simulator against the closed form of the M/M/c
// queue: the simulated mean wait must agree with Erlang C within 3 %. With
// over a million customers per case the statistical error of the mean is
// below 1 % (the M/M/1 case at ρ = 0.7 has the widest: about 0.8 %), so a
// fixed seed passing by luck is not what makes it pass. The negative control
// shows it can fail: the same queue with less variable service (lognormal,
// CV 0.5, an M/G/c queue) must disagree.
func TestErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates about three million customers")
	}
	const tol = 0.03
	const mu = 100.0 // per hour: a mean service of 36 seconds keeps the horizon within range
	for _, tc := range []struct {
		name  string
		c     int
		rho   float64
		years float64
	}{
		{"c=1 rho=0.7", 1, 0.7, 2},
		{"c=4 rho=0.8", 4, 0.8, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lambda := tc.rho * float64(tc.c) * mu
			want := erlangWq(tc.c, lambda, mu)
			rep, err := sim.Simulate(context.Background(), mmc(tc.c, lambda, mu, tc.years), sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Results[0]
			if r.FirstResponse.N < 1_000_000 {
				t.Fatalf("only %d customers", r.FirstResponse.N)
			}
			got := r.FirstResponse.Mean
			if rel := math.Abs(got-want) / want; rel > tol {
				t.Errorf("mean wait %.6f h, Erlang C %.6f h: off by %.1f %% (> %.0f %%)", got, want, 100*rel, 100*tol)
			} else {
				t.Logf("mean wait %.6f h, Erlang C %.6f h: off by %.2f %% over %d customers", got, want, 100*rel, r.FirstResponse.N)
			}
			// The unit's utilisation is ρ, and all of it is incident work.
			var it sim.UnitResult
			for _, u := range r.Units {
				if u.Kinds[0] == hikeshi.KindIT {
					it = u
				}
			}
			if math.Abs(it.Utilisation-tc.rho) > 0.01 || it.IncidentShare != it.Utilisation {
				t.Errorf("IT utilisation %.4f (incident %.4f), want %.2f", it.Utilisation, it.IncidentShare, tc.rho)
			}
			// With no triage or recovery, time to contain = wait + service.
			if d := r.TimeToContain.Mean - (got + 1/mu); math.Abs(d) > 0.02/mu {
				t.Errorf("time to contain %.6f h ≠ wait %.6f h + service %.6f h", r.TimeToContain.Mean, got, 1/mu)
			}
		})
	}

	t.Run("negative control", func(t *testing.T) {
		const c, rho = 2, 0.7
		lambda := rho * c * mu
		cfg := mmc(c, lambda, mu, 0.5)
		cfg.Effort.Contain = sim.Dist{Kind: sim.Lognormal, MeanHours: 1 / mu, CV: 0.5}
		rep, err := sim.Simulate(context.Background(), cfg, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, want := rep.Results[0].FirstResponse.Mean, erlangWq(c, lambda, mu)
		// Less variable service waits less: about (1 + CV²)/2 = 62.5 % of
		// the exponential's wait (the Allen–Cunneen approximation).
		if rel := math.Abs(got-want) / want; rel <= 3*tol {
			t.Errorf("M/G/2 with CV 0.5 waits %.6f h, within %.1f %% of Erlang C's %.6f h: the check cannot tell them apart", got, 100*rel, want)
		}
	})
}

// TestErlangFormula pins the formula itself to published values, so that a
// wrong formula cannot make a wrong simulator pass.
func TestErlangFormula(t *testing.T) {
	for _, tc := range []struct {
		c    int
		a, p float64
	}{
		{1, 0.7, 0.7},    // M/M/1: P(wait) = ρ
		{2, 1, 1.0 / 3},  // 2 servers, 1 erlang: (1/2)/(1−1/2) ÷ (1 + 1 + 1) = 1/3
		{4, 3.2, 0.5964}, // 4 servers, 3.2 erlangs
	} {
		if got := erlangC(tc.c, tc.a); math.Abs(got-tc.p) > 5e-4 {
			t.Errorf("C(%d, %g) = %.4f, want %.4f", tc.c, tc.a, got, tc.p)
		}
	}
	// M/M/1: Wq = ρ / (μ − λ).
	if got, want := erlangWq(1, 0.7, 1), 0.7/0.3; math.Abs(got-want) > 1e-12 {
		t.Errorf("M/M/1 Wq = %v, want %v", got, want)
	}
}
