package store_test

import (
	"testing"

	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// The alert intake's writer lingers for more requests only where a commit
// waits for the disk (decision 0035).
func TestCommitWaitsForDisk(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(testing.TB) *store.DB
		want bool
	}{{"sqlite", storetest.NewSQLite, false}, {"postgres", storetest.NewPostgres, true}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.open(t).CommitWaitsForDisk(); got != tc.want {
				t.Errorf("CommitWaitsForDisk = %v, want %v", got, tc.want)
			}
		})
	}
}
