package hikeshi

// ReviewReader is the read side of post-incident reviews and lessons (IH-8).
type ReviewReader interface{}

// ReviewWriter is the write side of post-incident reviews and lessons (IH-8).
type ReviewWriter interface{}
