package hikeshi

// TriageReader is the read side of triage of reports (IH-4).
type TriageReader interface{}

// TriageWriter is the write side of triage of reports (IH-4).
type TriageWriter interface{}
