package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// SQLite's driver prepares every statement afresh and finalises it after one
// use, and the write transactions run the same few hundred statements again
// and again: the alert intake's writer spent about a fifth of its CPU
// preparing them. The writer connection therefore keeps its prepared
// statements, keyed by their (rebound) text, and a transaction runs them
// through Tx.StmtContext, which reuses a statement already prepared on the
// transaction's connection instead of preparing it again. PostgreSQL needs
// none of this: pgx keeps a statement cache per connection.

// stmtCacheMax bounds the statements kept. Statements whose text varies with
// their data (multi-row INSERTs of n rows) could otherwise fill memory; past
// the bound a statement is simply run unprepared, as before.
const stmtCacheMax = 1024

// stmtCache holds the writer's prepared statements. A statement is prepared
// on the writer's pool, never inside a transaction: the pool has one
// connection, which the transaction holds, so preparing there would wait for
// itself. A transaction that meets a statement not yet prepared runs it
// directly and notes it; InTx prepares the noted statements after the
// transaction ends, when the connection is free.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt), pending: make(map[string]bool)}
}

// get returns the prepared statement for query, or nil after noting it for
// preparePending. Texts holding several statements (migrations, scripts) are
// never kept, nor any past stmtCacheMax.
func (c *stmtCache) get(query string) *sql.Stmt {
	if strings.Contains(query, ";") {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.pending) < stmtCacheMax {
		c.pending[query] = true
	}
	return nil
}

// preparePending prepares the statements noted by get. It must not run
// inside a transaction of the writer. A statement that fails to prepare is
// forgotten (running it directly reports its error).
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.stmts[q]; dup {
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

// close closes every statement kept.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
	clear(c.pending)
}

// cachedTx is a write transaction that runs its statements through the
// writer's cache.
type cachedTx struct {
	*sql.Tx
	cache *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// PrepareContext returns the kept statement bound to the transaction, or
// prepares query on it (noting it for the cache) when none is kept yet.
func (t cachedTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st), nil
	}
	return t.Tx.PrepareContext(ctx, query)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
