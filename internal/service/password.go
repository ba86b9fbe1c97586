package service

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"

	"golang.org/x/crypto/argon2"
)

// ArgonParams are Argon2id cost parameters.
type ArgonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon follows the OWASP Password Storage Cheat Sheet's minimum for
// Argon2id (19 MiB, 2 iterations, 1 lane).
var DefaultArgon = ArgonParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// Password length limits: long passphrases are welcome; the upper bound keeps
// hashing cost bounded against abuse.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// HashPassword returns a PHC-formatted Argon2id hash of pw.
func HashPassword(pw string, p ArgonParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC hash, in constant time.
func CheckPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("password hash: unsupported argon2 version")
	}
	var p ArgonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password hash: bad parameters: %w", err)
	}
	if p.Memory > 1<<20 || p.Time > 16 || p.Threads == 0 {
		return false, errors.New("password hash: parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash: bad salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errors.New("password hash: bad key")
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// validatePassword checks the password policy: length only, as NIST SP
// 800-63B advises (no composition rules).
func validatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return hikeshi.Invalid(field, "invalid_text", "the password is not valid UTF-8 text")
	case n < MinPasswordLen:
		return hikeshi.Invalid(field, "too_short", fmt.Sprintf("the password must have at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		return hikeshi.Invalid(field, "too_long", fmt.Sprintf("the password must have at most %d characters", MaxPasswordLen))
	}
	return nil
}

// GeneratePassword returns a random password of 26 base32 characters (130 bits).
func GeneratePassword() string { return rand.Text() }
