// Package notify is the mail people did not ask for one by one: the signed
// unsubscribe link that non-essential mail (reminders, digests) carries, and
// the page behind it, which needs no sign-in.
package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// Token is the unsubscribe token for personID: "ID.MAC", the MAC an
// HMAC-SHA256 under secret (SECRET_KEY) of "unsubscribe:ID". It does not
// expire: an old mail's link keeps working.
func Token(secret string, personID int64) string {
	id := strconv.FormatInt(personID, 10)
	return id + "." + mac(secret, id)
}

// Verify returns the person a token was made for, or false for anything
// not made by Token with this secret.
func Verify(secret, token string) (int64, bool) {
	id, sum, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(id) > 19 || secret == "" {
		return 0, false
	}
	personID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || personID <= 0 || strconv.FormatInt(personID, 10) != id {
		return 0, false
	}
	if !hmac.Equal([]byte(sum), []byte(mac(secret, id))) {
		return 0, false
	}
	return personID, true
}

// URL is the unsubscribe link for personID under baseURL (BASE_URL).
func URL(baseURL, secret string, personID int64) string {
	return strings.TrimRight(baseURL, "/") + "/unsubscribe?t=" + url.QueryEscape(Token(secret, personID))
}

func mac(secret, id string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("unsubscribe:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
