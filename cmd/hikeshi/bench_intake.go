package main

import "errors"

var benchIntakeCmd = &command{
	name:     "bench intake",
	synopsis: "[--json] [--db URL]",
	summary:  "time alert intake over HTTP against plain batched inserts",
	help:     `Not built yet.`,
	run:      func(e *env, c *command, args []string) error { return errors.New("bench intake is not built yet") },
}
