package hikeshi

// Reporting and disclosure (IH-7): the internal incident report (Markdown and
// PDF), regulator notification drafts, the public statement, editable report
// templates per organisation and language, and the communication log of who
// was told what and when.

// ReportingReader is the read side of reporting.
type ReportingReader interface{}

// ReportingWriter is the write side of reporting.
type ReportingWriter interface{}
