package hikeshi

// EvidenceReader is the read side of observables, affected assets and evidence files (IH-5).
type EvidenceReader interface{}

// EvidenceWriter is the write side of observables, affected assets and evidence files (IH-5).
type EvidenceWriter interface{}
