package hikeshi

// MailIntakeReader is the read side of the mail intake (IH-2): threading of
// mail onto reports.
type MailIntakeReader interface{}

// MailIntakeWriter is the write side of the mail intake (IH-2).
type MailIntakeWriter interface{}
