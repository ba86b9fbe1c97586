package store

// This file implements hikeshi.ReportingReader and hikeshi.ReportingWriter.
