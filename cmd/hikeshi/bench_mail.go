package main

import "errors"

var benchMailCmd = &command{
	name:     "bench mail",
	synopsis: "[--json]",
	summary:  "time the mail intake over SMTP",
	help:     `Not built yet.`,
	run:      func(e *env, c *command, args []string) error { return errors.New("bench mail is not built yet") },
}
