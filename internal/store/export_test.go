package store

import "context"

// OpenAtVersion opens like Open but migrates only up to version, so that a
// test can store rows as an older release did and then migrate over them.
func OpenAtVersion(ctx context.Context, o Options, version int) (*DB, error) {
	o.migrateTo = version
	return Open(ctx, o)
}

// FingerprintKey is fingerprintKey, for tests that make two fingerprints
// share a key.
func FingerprintKey(fp string) int64 { return fingerprintKey(fp) }
