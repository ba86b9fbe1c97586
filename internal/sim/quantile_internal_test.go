package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestQuantile checks selection against sorting, on samples with ties and
// of every small size.
func TestQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sorted := func(xs []float64, p float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		h := p * float64(len(s)-1)
		k := int(h)
		if k+1 >= len(s) {
			return s[k]
		}
		return s[k] + (h-float64(k))*(s[k+1]-s[k])
	}
	for n := 1; n < 300; n++ {
		for _, ties := range []bool{false, true} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.ExpFloat64()
				if ties {
					xs[i] = float64(r.IntN(5))
				}
			}
			for _, p := range []float64{0, 0.5, 0.9, 1} {
				want := sorted(xs, p)
				if got := quantile(slices.Clone(xs), p); got != want {
					t.Fatalf("n=%d ties=%v p=%v: %v, want %v", n, ties, p, got, want)
				}
			}
			s := summarise(slices.Clone(xs))
			if s.N != n || s.Max != slices.Max(xs) || s.Median != sorted(xs, 0.5) || s.P90 != sorted(xs, 0.9) {
				t.Fatalf("n=%d: summary %+v", n, s)
			}
		}
	}
}

// TestHeap checks the event queue against sorting, with ties.
func TestHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q doneHeap
	var want []float64
	for round := range 5000 {
		for range r.IntN(4) {
			x := float64(r.IntN(50)) + float64(round)
			q.push(x, done{id: int32(round)})
			want = append(want, x)
		}
		if q.len() > 0 && r.IntN(3) > 0 {
			slices.Sort(want)
			got, _ := q.pop()
			if got != want[0] {
				t.Fatalf("round %d: popped %v, want %v", round, got, want[0])
			}
			want = want[1:]
		}
	}
	for q.len() > 0 {
		got, _ := q.pop()
		if got != want[0] {
			t.Fatalf("draining: popped %v, want %v", got, want[0])
		}
		want = want[1:]
	}
}
