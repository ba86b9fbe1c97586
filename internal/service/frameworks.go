package service

// Frameworks is the ISMS's IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type Frameworks struct{ base }
