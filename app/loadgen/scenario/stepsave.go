// Package scenario builds whole-journey load runs on top of loadgen: it
// prepares real users against a running server (signing them in through
// the development sign-in) and checks afterwards, in the database, that
// every acknowledged write is there.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"cohort/app/loadgen"
	"cohort/db"
)

// User is one signed-in member with a draft enrollment.
type User struct {
	Email        string
	EnrollmentID int64
	Cookie       string
	CSRF         string
}

// StepSave is the "save a step" load: many members, each saving the first
// step of their own enrollment with distinct answers.
type StepSave struct {
	Users []User
	// VaryName makes every save change the member's name, which the staff
	// table shows and searches: the worst case, where each save also
	// rewrites the search document and the indexed name. Otherwise each
	// save changes the manager's name, an answer the table does not show.
	VaryName bool
	store    *db.Store
	ids      []int64
	before   int64
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// PrepareStepSave signs in up to n members who have draft enrollments in
// the program and records the enrollments' versions. The server must run
// with DEV_LOGIN on (development), against the same database as store.
func PrepareStepSave(ctx context.Context, base string, store *db.Store, programSlug string, n int) (*StepSave, error) {
	prog, err := store.ProgramBySlug(ctx, programSlug)
	if err != nil {
		return nil, fmt.Errorf("scenario: program %q: %w", programSlug, err)
	}
	refs, err := store.EnrollmentsWithStatus(ctx, prog.ID, db.StatusDraft, n)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, errors.New("scenario: no draft enrollments to save; seed more participants (cohort seed demo --participants 2000)")
	}
	sc := &StepSave{store: store}
	for _, r := range refs {
		u, err := signIn(ctx, base, r.Email)
		if err != nil {
			return nil, err
		}
		u.EnrollmentID = r.ID
		sc.Users = append(sc.Users, u)
		sc.ids = append(sc.ids, r.ID)
	}
	if sc.before, err = store.SumVersions(ctx, sc.ids); err != nil {
		return nil, err
	}
	return sc, nil
}

// signIn uses the development sign-in and returns the session cookie and
// the CSRF token of the signed-in session.
func signIn(ctx context.Context, base, email string) (User, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	token := func() (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
		res, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		m := csrfRe.FindSubmatch(b)
		if m == nil {
			return "", errors.New("scenario: no CSRF token on the home page")
		}
		return string(m[1]), nil
	}
	t, err := token()
	if err != nil {
		return User{}, err
	}
	form := url.Values{"_csrf": {t}, "email": {email}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/dev/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		return User{}, err
	}
	res.Body.Close()
	if res.Request.URL.Path != "/" {
		return User{}, fmt.Errorf("scenario: dev sign-in as %s failed (is DEV_LOGIN on?)", email)
	}
	if t, err = token(); err != nil {
		return User{}, err
	}
	u, _ := url.Parse(base)
	var cookies []string
	for _, c := range jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	return User{Email: email, Cookie: strings.Join(cookies, "; "), CSRF: t}, nil
}

// Apply makes o act as the prepared users, round robin, each request
// saving the "about" step with a distinct answer (see VaryName).
func (sc *StepSave) Apply(o *loadgen.Options) {
	o.Method = http.MethodPost
	o.ExpectStatus = http.StatusSeeOther
	o.Warmup = 0 // every write must be counted, so none goes unmeasured
	o.Body = func(_, seq int) ([]byte, string) {
		name, manager := "Load User", fmt.Sprintf("Max Boss %d", seq)
		if sc.VaryName {
			name, manager = fmt.Sprintf("Load User %d", seq), "Max Boss"
		}
		f := url.Values{"full_name": {name}, "manager_name": {manager},
			"manager_email": {"max.boss@example.com"}, "nav": {"next"}}
		return []byte(f.Encode()), "application/x-www-form-urlencoded"
	}
	o.Prepare = func(req *http.Request, _, seq int) {
		u := sc.Users[seq%len(sc.Users)]
		req.URL.Path = fmt.Sprintf("/enrollments/%d/steps/about", u.EnrollmentID)
		req.Header.Set("Cookie", u.Cookie)
		req.Header.Set("X-CSRF-Token", u.CSRF)
	}
}

// Verify checks that the database holds exactly one committed save per
// acknowledged request: nothing failed, nothing was lost.
func (sc *StepSave) Verify(ctx context.Context, r loadgen.Result) (string, error) {
	after, err := sc.store.SumVersions(ctx, sc.ids)
	if err != nil {
		return "", err
	}
	saved := after - sc.before
	ok := int64(r.Requests - r.Failures)
	msg := fmt.Sprintf("writes: %d acknowledged, %d committed in the database (%d users)", ok, saved, len(sc.Users))
	if r.Failures > 0 || saved != ok {
		return msg, fmt.Errorf("scenario: %s; %d failed", msg, r.Failures)
	}
	return msg, nil
}
