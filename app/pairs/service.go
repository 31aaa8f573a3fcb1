// Package pairs is where staff pair participants: the pairs list with
// accept and end, a manual pairing form, ranked suggestions for one
// participant, and the whole-program proposal they review and accept. The
// scoring and the hard rules are app/pairing's (pure); this package loads
// enrollments into pairing.Person values, backs pairing.Seen with the keyed
// pair history, and writes pairs with their audit events. The JSON API
// (app/api) uses the same Service, so both check the same rules.
package pairs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cohort/app/pairing"
	"cohort/db"
)

// Audit actions written by this package.
const (
	ActionCreate = "pair.create"
	ActionAccept = "pair.accept"
	ActionEnd    = "pair.end"
	ActionUndo   = "pair.undo"
)

// SubjectPair is the audit subject type of events about a pair.
const SubjectPair = "pair"

// Sources of a new pair, as the audit log records them.
const (
	SourceManual     = "manual"
	SourceSuggestion = "suggestion"
	SourceProposal   = "proposal"
	SourceAPI        = "api"
	SourceRequest    = "request" // a mentor accepted a mentee's request
)

// Refusal codes for the conditions checked here, before the algorithm's
// hard rules (pairing.Code*).
const (
	CodeRole   = "role"   // not enrolled as a mentor / mentee
	CodeStatus = "status" // the enrollment is not submitted, approved or active
	CodePaired = "paired" // the mentee already has a proposed or active pair
)

// MaxEndReason bounds the end reason staff type.
const MaxEndReason = 500

// Pairable reports whether an enrollment in status may be paired.
func Pairable(status string) bool { return slices.Contains(db.PairableStatuses, status) }

// Service pairs participants for the staff pages and the API.
type Service struct {
	store  *db.Store
	secret []byte
}

// NewService returns a Service on store that keys the pair history with
// secret (PAIR_ID_HASH_SECRET).
func NewService(store *db.Store, secret string) *Service {
	return &Service{store: store, secret: []byte(secret)}
}

// Actor is who makes a change, for the audit log.
type Actor struct {
	PersonID  int64
	RequestID string
}

// HistoryHash is the pair history's key of a mentor and a mentee: hex
// HMAC-SHA256 under secret of the two lower-cased emails, mentor first,
// joined by a newline. Without the secret the hashes say nothing about
// who was paired.
func HistoryHash(secret []byte, mentorEmail, menteeEmail string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(db.NormalizeEmail(mentorEmail) + "\n" + db.NormalizeEmail(menteeEmail)))
	return hex.EncodeToString(m.Sum(nil))
}

// Seen is pairing.Seen backed by the pair history: every hash is loaded
// once, so a proposal that asks about thousands of pairs costs one query.
// Two people count as paired before in either direction: whoever mentored
// whom, a pair of the same two people is a repeat. The history is global
// (its key has no program), so a pair made in any program counts.
func Seen(ctx context.Context, store *db.Store, secret []byte) (pairing.Seen, error) {
	hashes, err := store.PairHistoryHashes(ctx)
	if err != nil {
		return nil, err
	}
	known := make(map[[sha256.Size]byte]struct{}, len(hashes))
	for _, h := range hashes {
		var k [sha256.Size]byte
		if n, err := hex.Decode(k[:], []byte(h)); err == nil && n == len(k) {
			known[k] = struct{}{}
		}
	}
	if len(known) == 0 {
		return nil, nil // nothing was ever paired: skip the HMACs
	}
	mac := hmac.New(sha256.New, secret)
	has := func(a, b string) bool {
		mac.Reset()
		mac.Write([]byte(db.NormalizeEmail(a) + "\n" + db.NormalizeEmail(b)))
		var k [sha256.Size]byte
		mac.Sum(k[:0])
		_, ok := known[k]
		return ok
	}
	return func(mentor, mentee string) bool { return has(mentor, mentee) || has(mentee, mentor) }, nil
}

// seenOne is pairing.Seen for checking one pair: two indexed lookups rather
// than loading the whole history. A database error is kept in *errp.
func (sv *Service) seenOne(ctx context.Context, tx *db.Store, errp *error) pairing.Seen {
	return func(mentor, mentee string) bool {
		for _, h := range []string{HistoryHash(sv.secret, mentor, mentee), HistoryHash(sv.secret, mentee, mentor)} {
			ok, err := tx.PairSeen(ctx, h)
			if err != nil {
				*errp = err
				return false
			}
			if ok {
				return true
			}
		}
		return false
	}
}

// SettingsFor is a program's pairing settings: the defaults, with the
// program's minimum overlap and mentor capacity where it sets them.
func SettingsFor(p *db.Program) pairing.Settings {
	s := pairing.DefaultSettings()
	if p.Settings.MinOverlapHours > 0 {
		s.MinOverlapHours = p.Settings.MinOverlapHours
	}
	if p.Settings.DefaultMentorCapacity > 0 {
		s.DefaultCapacity = p.Settings.DefaultMentorCapacity
	}
	return s
}

// asMentor and asMentee are an enrollment as the algorithm sees it in one
// role: interests are those offered as a mentor, or wanted as a mentee.
func asMentor(e *db.Pairable, current int) *pairing.Person {
	p := basePerson(e, db.SideMentor)
	p.Current = current
	return p
}

func asMentee(e *db.Pairable) *pairing.Person { return basePerson(e, db.SideMentee) }

func basePerson(e *db.Pairable, side string) *pairing.Person {
	p := &pairing.Person{
		ID: e.ID, Email: db.NormalizeEmail(e.Email), Name: e.Name(), Org: e.Org, Level: e.Level,
		AvailMask: uint32(e.AvailMask) & (1<<24 - 1), DistancePref: e.DistancePref,
		ManagerEmail: db.NormalizeEmail(e.ManagerEmail),
	}
	if side == db.SideMentee {
		p.TrackChange = e.TrackChange
	}
	for _, in := range e.Interests {
		if in.Side == side {
			p.Interests = append(p.Interests, in.Interest)
		}
	}
	return p
}

// openState is who is taken in a program: open pairs per mentor, and each
// paired mentee's open pair.
type openState struct {
	load  map[int64]int
	taken map[int64]*db.Pair
}

func newOpenState(open []*db.Pair, except int64) openState {
	st := openState{load: map[int64]int{}, taken: map[int64]*db.Pair{}}
	for _, p := range open {
		if p.ID == except {
			continue
		}
		st.add(p)
	}
	return st
}

func (st openState) add(p *db.Pair) {
	st.load[p.MentorEnrollmentID]++
	st.taken[p.MenteeEnrollmentID] = p
}

// preconditions are what must hold before the algorithm's rules are worth
// asking: the right roles, pairable statuses, a mentee not already paired.
func preconditions(mentor, mentee *db.Pairable, st openState) []pairing.Refusal {
	var out []pairing.Refusal
	if !mentor.IsMentor {
		out = append(out, pairing.Refusal{Code: CodeRole, Reason: mentor.Name() + " did not enroll as a mentor"})
	}
	if !mentee.IsMentee {
		out = append(out, pairing.Refusal{Code: CodeRole, Reason: mentee.Name() + " did not enroll as a mentee"})
	}
	for _, e := range []*db.Pairable{mentor, mentee} {
		if !Pairable(e.Status) {
			out = append(out, pairing.Refusal{Code: CodeStatus,
				Reason: fmt.Sprintf("%s's enrollment is %s; only submitted, approved or active enrollments are paired", e.Name(), e.Status)})
		}
	}
	if p, ok := st.taken[mentee.ID]; ok {
		out = append(out, pairing.Refusal{Code: CodePaired, Reason: fmt.Sprintf("%s already has %s pair", mentee.Name(), withArticle(p.Status))})
	}
	return out
}

// Reasons joins refusals into one sentence.
func Reasons(rs []pairing.Refusal) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Reason
	}
	return strings.Join(parts, "; ")
}

// record writes a pair's audit event through tx.
func record(ctx context.Context, tx *db.Store, a Actor, action string, p *db.Pair, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["mentor_enrollment_id"] = p.MentorEnrollmentID
	details["mentee_enrollment_id"] = p.MenteeEnrollmentID
	details["status"] = p.Status
	ev := &db.AuditEvent{
		Action: action, SubjectType: SubjectPair, SubjectID: strconv.FormatInt(p.ID, 10),
		ProgramID: &p.ProgramID, Details: details, RequestID: a.RequestID,
	}
	if a.PersonID != 0 {
		ev.ActorID = &a.PersonID
	}
	return tx.RecordAudit(ctx, ev)
}

// loadTwo loads the mentor and mentee enrollments of program, with their
// interests; either missing (or in another program) is db.ErrNotFound.
func loadTwo(ctx context.Context, tx *db.Store, programID, mentorID, menteeID int64) (mentor, mentee *db.Pairable, err error) {
	ps, err := tx.Pairables(ctx, db.PairableQuery{ProgramID: programID, IDs: []int64{mentorID, menteeID}, WithInterests: true})
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		if p.ID == mentorID {
			mentor = p
		}
		if p.ID == menteeID {
			mentee = p
		}
	}
	if mentor == nil || mentee == nil {
		return nil, nil, db.ErrNotFound
	}
	return mentor, mentee, nil
}

// withArticle is "an active" or "a proposed".
func withArticle(status string) string {
	if status == db.PairActive {
		return "an " + status
	}
	return "a " + status
}
