package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CheckinLink is what a check-in survey link stands for: one person's
// answer to one check-in point of one pair, until Expires.
type CheckinLink struct {
	PairID, PersonID int64
	Weeks            int
	Expires          time.Time // truncated to the second
}

// Errors of VerifyCheckin.
var (
	// ErrLinkInvalid: not made by CheckinToken with this secret.
	ErrLinkInvalid = errors.New("check-in link not valid")
	// ErrLinkExpired: made by CheckinToken, but past its expiry.
	ErrLinkExpired = errors.New("check-in link expired")
)

// CheckinToken is the survey token for l: "PAIR.PERSON.WEEKS.EXPIRES.MAC",
// EXPIRES in Unix seconds and the MAC an HMAC-SHA256 under secret
// (SECRET_KEY) of "checkin:PAIR:PERSON:WEEKS:EXPIRES". A different purpose
// prefix from the unsubscribe token, so neither passes for the other.
func CheckinToken(secret string, l CheckinLink) string {
	body := strings.Join([]string{
		strconv.FormatInt(l.PairID, 10), strconv.FormatInt(l.PersonID, 10),
		strconv.Itoa(l.Weeks), strconv.FormatInt(l.Expires.Unix(), 10),
	}, ".")
	return body + "." + checkinMAC(secret, body)
}

// VerifyCheckin returns the link a token was made for: ErrLinkInvalid for
// anything not made by CheckinToken with this secret, ErrLinkExpired for
// one whose expiry is not after now.
func VerifyCheckin(secret, token string, now time.Time) (CheckinLink, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 5 || secret == "" || len(token) > 200 {
		return CheckinLink{}, ErrLinkInvalid
	}
	var nums [4]int64
	for i, p := range parts[:4] {
		n, err := strconv.ParseInt(p, 10, 64)
		// Canonical decimal only: "042" would be another spelling of the
		// same signed text.
		if err != nil || n <= 0 || strconv.FormatInt(n, 10) != p {
			return CheckinLink{}, ErrLinkInvalid
		}
		nums[i] = n
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(parts[4]), []byte(checkinMAC(secret, body))) {
		return CheckinLink{}, ErrLinkInvalid
	}
	if nums[2] > 10000 {
		return CheckinLink{}, ErrLinkInvalid
	}
	l := CheckinLink{PairID: nums[0], PersonID: nums[1], Weeks: int(nums[2]), Expires: time.Unix(nums[3], 0).UTC()}
	if !now.Before(l.Expires) {
		return l, ErrLinkExpired
	}
	return l, nil
}

// CheckinURL is the survey link for l under baseURL (BASE_URL).
func CheckinURL(baseURL, secret string, l CheckinLink) string {
	return strings.TrimRight(baseURL, "/") + "/checkin?t=" + url.QueryEscape(CheckinToken(secret, l))
}

func checkinMAC(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "checkin:%s", strings.ReplaceAll(body, ".", ":"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
