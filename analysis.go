package hikeshi

// Event analysis (IM-2): trends over reports, alerts and incidents, recurring
// patterns, and the mean times to acknowledge, contain and recover.

// AnalysisReader is the read side of event analysis (it writes nothing).
type AnalysisReader interface{}
