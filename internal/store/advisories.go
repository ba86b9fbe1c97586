package store

// This file implements hikeshi.AdvisoryReader and hikeshi.AdvisoryWriter.
