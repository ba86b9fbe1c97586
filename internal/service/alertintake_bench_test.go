package service_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// BenchmarkAlertIntakeWriter measures the intake writer alone on SQLite:
// eight goroutines submit alerts that are already decoded, so the writer
// always has work and the figure is its cost per alert (no HTTP, no JSON).
// One in ten alerts repeats an earlier one; new alerts come in runs of five
// on one rule and host, as in `hikeshi bench intake`.
//
//	go test ./internal/service -run '^$' -bench AlertIntakeWriter -benchtime 20000x
func BenchmarkAlertIntakeWriter(b *testing.B) {
	for _, per := range []int{100, 1} {
		b.Run(fmt.Sprintf("alerts=%d", per), func(b *testing.B) {
			db := storetest.NewSQLite(b)
			ctx := context.Background()
			svc := service.New(db, service.Options{})
			defer svc.AlertIntake.Close()
			now := time.Now().UTC()
			s := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: "bench", Format: hikeshi.FormatGeneric, TokenHash: service.HashSecret("hka_bench_token_1"),
				TokenHint: "en_1", Window: time.Hour, CreatedAt: now, UpdatedAt: now}
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIntakeSender(ctx, s) }); err != nil {
				b.Fatal(err)
			}
			src := service.IntakeSource{Sender: s, Actor: service.SenderActor(s)}

			// The requests are made before the clock starts.
			reqs := make([][]hikeshi.AlertInput, b.N)
			seq := 0
			for i := range reqs {
				reqs[i] = make([]hikeshi.AlertInput, per)
				for j := range reqs[i] {
					k := seq
					if seq > 100 && (i*per+j)%10 == 9 {
						k = ((i*per + j) * 7919) % seq // a repeat
					} else {
						seq++
					}
					reqs[i][j] = benchAlert(k)
				}
			}
			var next atomic.Int64
			b.SetParallelism(4) // 8 submitters on two processors
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := reqs[next.Add(1)-1]
					if _, err := svc.AlertIntake.Submit(ctx, src, r, 0); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			perAlert := b.Elapsed().Seconds() / float64(b.N*per)
			b.ReportMetric(perAlert*1e6, "µs/alert")
			b.ReportMetric(1/perAlert, "alerts/s")
		})
	}
}

// benchAlert is alert k: runs of five on one rule and host, each from
// another address.
func benchAlert(k int) hikeshi.AlertInput {
	grp := k / 5
	host := fmt.Sprintf("srv-%04d.example.internal", (grp*7919)%4000)
	ip := fmt.Sprintf("10.%d.%d.%d", (k/62500)%250, (k/250)%250, 1+k%250)
	a := hikeshi.AlertInput{
		Format: hikeshi.FormatGeneric, Rule: fmt.Sprintf("rule #%d", grp%300), Title: "Port scan from " + ip,
		Description: "Detected by sensor " + fmt.Sprint(k%16) + "; see the raw event for details.",
		Severity:    hikeshi.SeverityMedium, Host: host,
		Observables: []hikeshi.AlertObservable{{Type: hikeshi.ObservableIP, Value: ip}},
		Labels:      map[string]string{"sensor": fmt.Sprintf("sensor-%d", k%16), "site": "tokyo", "env": "prod"},
		OccurredAt:  time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC).Add(time.Duration(k) * time.Millisecond),
	}
	a.Raw = []byte(fmt.Sprintf(`{"title":%q,"host":%q,"observables":[{"type":"ip","value":%q}],"n":%d}`, a.Title, host, ip, k))
	return a
}
