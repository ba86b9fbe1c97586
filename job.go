package hikeshi

// JobReader is the read side of durable background jobs (PL-6). Its methods
// are defined with the jobs feature.
type JobReader interface{}

// JobWriter is the write side of durable background jobs: jobs are enqueued in
// the same transaction as the change that causes them.
type JobWriter interface{}
