package store

// This file implements hikeshi.AlertIntakeReader and hikeshi.AlertIntakeWriter.
