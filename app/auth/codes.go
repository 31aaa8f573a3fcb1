package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
)

// codeAlphabet leaves out characters people confuse when reading or typing
// a code: 0/O, 1/I/L, and U/V.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// CodeLength is the number of characters in an emailed sign-in code:
// 29^8 ≈ 5·10^11 possibilities against at most a handful of guesses.
const CodeLength = 8

// RandomCode returns n characters drawn uniformly from codeAlphabet.
func RandomCode(n int) string {
	var b strings.Builder
	max := big.NewInt(int64(len(codeAlphabet)))
	for range n {
		i, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b.WriteByte(codeAlphabet[i.Int64()])
	}
	return b.String()
}

// FormatCode groups a code for reading: ABCD-EFGH.
func FormatCode(code string) string {
	if len(code) <= 4 {
		return code
	}
	half := len(code) / 2
	return code[:half] + "-" + code[half:]
}

// NormalizeCode turns what a person typed into the stored form: upper-case,
// without the spaces or dashes they may have copied along.
func NormalizeCode(in string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(in) {
		if r == ' ' || r == '-' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keyedHash is HMAC-SHA256(secret, purpose|parts…) in hex: codes are stored
// only this way, so a database leak does not reveal a usable code.
func keyedHash(secret, purpose string, parts ...string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// HashLoginCode binds a code to the address it was sent to.
func HashLoginCode(secret, email, code string) string {
	return keyedHash(secret, "login-code", strings.ToLower(email), NormalizeCode(code))
}

// HashRecoveryCode binds a recovery code to its person.
func HashRecoveryCode(secret string, personID int64, code string) string {
	return keyedHash(secret, "recovery-code", big.NewInt(personID).String(), NormalizeCode(code))
}

// equalHash compares two hex digests in constant time.
func equalHash(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// sealer encrypts TOTP secrets at rest with a key derived from SECRET_KEY.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret string) sealer {
	key := sha256.Sum256([]byte("cohort totp secret key\x00" + secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return sealer{aead}
}

func (s sealer) seal(plain string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

func (s sealer) open(sealed string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("auth: sealed value is malformed")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("auth: sealed value does not open with this SECRET_KEY")
	}
	return string(plain), nil
}
