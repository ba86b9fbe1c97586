package main

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi/internal/store"
)

// openBenchDB opens the database a benchmark runs on: dbURL when given
// (PostgreSQL), else SQLite in a new temporary directory. done closes the
// database and removes the directory.
func openBenchDB(ctx context.Context, dbURL, prefix string) (db *store.DB, done func(), err error) {
	o := store.Options{DB: dbURL}
	dir := ""
	if dbURL == "" {
		if dir, err = os.MkdirTemp("", prefix); err != nil {
			return nil, nil, err
		}
		o = store.Options{DB: "bench.db", DataDir: dir}
	}
	removeDir := func() {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	if db, err = store.Open(ctx, o); err != nil {
		removeDir()
		return nil, nil, err
	}
	return db, func() { db.Close(); removeDir() }, nil
}

// procStatusMB reads a field of /proc/self/status given in kB (such as
// "VmHWM:", the peak resident set) in megabytes; 0 when it cannot.
func procStatusMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
