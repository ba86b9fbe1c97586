package sim_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi/internal/sim"
)

// BenchmarkSimulateYearAllPatterns: one simulated year of a large
// organisation, 100,000 incidents, under all six patterns (the speed target
// of issue 5: under 2 seconds; "hikeshi bench simulate" measures the same).
func BenchmarkSimulateYearAllPatterns(b *testing.B) {
	cfg := sim.LargeOrganisation(100_000)
	var incidents int
	b.ReportAllocs()
	for b.Loop() {
		rep, err := sim.Simulate(context.Background(), cfg, sim.Options{})
		if err != nil {
			b.Fatal(err)
		}
		incidents = 0
		for _, r := range rep.Results {
			incidents += r.Incidents
		}
	}
	if incidents < 6*99_000 {
		b.Fatalf("only %d incidents over six patterns", incidents)
	}
	b.ReportMetric(float64(incidents)/6, "incidents/pattern")
}
