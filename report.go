package hikeshi

// ReportReader is the read side of reports from people (IH-1).
type ReportReader interface{}

// ReportWriter is the write side of reports from people (IH-1).
type ReportWriter interface{}
