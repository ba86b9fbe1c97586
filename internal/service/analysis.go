package service

import "github.com/hikeshi/hikeshi"

// Analysis is IM-2: trends, recurring patterns and mean times over reports,
// alerts and incidents.
type Analysis struct {
	base
}

// CanReadAnalysis says whether a may open the analysis pages.
func CanReadAnalysis(a hikeshi.Actor) bool { return a.CanReadAll() }
