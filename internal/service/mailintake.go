package service

// MailIntake turns mail to the CSIRT's addresses into reports (IH-2).
type MailIntake struct {
	base
}
