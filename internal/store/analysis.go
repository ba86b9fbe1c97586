package store

// This file implements hikeshi.AnalysisReader.
