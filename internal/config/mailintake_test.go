package config

import (
	"errors"
	"flag"
	"testing"
)

func TestMailIntakeOptions(t *testing.T) {
	load := func(args ...string) (Config, error) {
		c, _, err := Load(flag.NewFlagSet("t", flag.ContinueOnError), args, func(string) string { return "" })
		return c, err
	}
	c, err := load("--smtp-addr", "127.0.0.1:2525", "--smtp-tls-cert", "c.pem", "--smtp-tls-key", "k.pem", "--smtp-max-size", "30", "--smtp-ack", "true")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPTLSCert != "c.pem" || c.SMTPTLSKey != "k.pem" || c.SMTPMaxSize != 30<<20 || !c.SMTPAck {
		t.Errorf("got %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate of a loaded config: %v", err)
	}
	c, err = load()
	if err != nil || c.SMTPMaxSize != 0 || c.SMTPAck {
		t.Errorf("defaults: %+v %v", c, err)
	}
	for _, args := range [][]string{
		{"--smtp-tls-cert", "c.pem"},
		{"--smtp-tls-key", "k.pem"},
		{"--smtp-max-size", "-1"},
		{"--smtp-max-size", "201"},
		{"--smtp-max-size", "40MB"},
		{"--smtp-ack", "maybe"},
	} {
		_, err := load(args...)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
}
