package matching

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cohort/app/pairing"
	"cohort/app/pairs"
	"cohort/db"
)

// ErrNotPending means a request was answered, withdrawn, expired or
// cancelled before this decision reached it.
var ErrNotPending = errors.New("request is no longer pending")

// Audit actions written here (the pair itself is audited by app/pairs).
const (
	ActionCancel  = "match_request.cancel"
	ActionAccept  = "match_request.accept"
	ActionDecline = "match_request.decline"
)

// Mail kinds, for the outbox page.
const (
	MailRequest   = "match_request"
	MailDecision  = "match_decision"
	MailWithdrawn = "match_withdrawn"
	MailExpired   = "match_expired"
)

// Service runs requests for the member and staff pages and the expiry job.
type Service struct {
	store *db.Store
	pairs *pairs.Service
	// BaseURL starts the links in mails.
	BaseURL string
}

// NewService returns a Service that makes pairs through ps.
func NewService(store *db.Store, ps *pairs.Service, baseURL string) *Service {
	return &Service{store: store, pairs: ps, BaseURL: strings.TrimRight(baseURL, "/")}
}

// Result is what a decision did: the pair it made, why it did not, and the
// other requests the pair withdrew.
type Result struct {
	Pair      *db.Pair
	Refusals  []pairing.Refusal
	Withdrawn []*db.MatchRequestView
}

// Request sends mentee's request to mentor with a message, after every
// rule a pair must pass and the request rules. It returns the refusals,
// and no request, when one fails.
func (s *Service) Request(ctx context.Context, program *db.Program, menteeID, mentorID int64, message string) (*db.MatchRequest, []pairing.Refusal, error) {
	cfg := ConfigFor(program)
	message, err := CleanText(message, MaxMessage, "message")
	if err != nil {
		return nil, []pairing.Refusal{{Code: "message", Reason: "Your message is longer than " + strconv.Itoa(MaxMessage) + " characters."}}, nil
	}
	rs, err := s.pairs.Check(ctx, program, mentorID, menteeID)
	if err != nil {
		return nil, nil, err
	}
	var out *db.MatchRequest
	var refused []pairing.Refusal
	err = s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		// The same lock as pairing: K pending requests and a mentor's
		// places are counted and then written.
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		lim, err := limitsFor(ctx, tx, cfg, program.ID, menteeID, mentorID)
		if err != nil {
			return err
		}
		refused = ForMember(append(rs, RequestRefusals(lim)...))
		if len(refused) > 0 {
			return nil
		}
		out = &db.MatchRequest{ProgramID: program.ID, MenteeEnrollmentID: menteeID, MentorEnrollmentID: mentorID, Message: message}
		if err := tx.CreateMatchRequest(ctx, out, cfg.Expiry); err != nil {
			return err
		}
		v, err := tx.MatchRequestByID(ctx, out.ID)
		if err != nil {
			return err
		}
		return s.mail(ctx, tx, v.MentorEmail, MailRequest, v, "New mentoring request in "+program.Name,
			fmt.Sprintf("Hello %s,\n\n%s would like you as their mentor in %s.\n\n%s\n\nAnswer it on your requests page: %s/programs/%s/requests\n\nIt expires on %s if it is not answered.\n",
				v.MentorName, v.MenteeName, program.Name, quoteMessage(message), s.BaseURL, program.Slug, v.ExpiresAt.Format("2 January 2006")))
	})
	if errors.Is(err, db.ErrConflict) {
		return nil, []pairing.Refusal{{Code: CodeAgain, Reason: "You have already asked this mentor; they have not answered yet."}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return out, refused, nil
}

func quoteMessage(m string) string {
	if m == "" {
		return "(No message.)"
	}
	return "Their message: “" + m + "”"
}

// limitsFor gathers what RequestRefusals needs, through tx.
func limitsFor(ctx context.Context, tx *db.Store, cfg Config, programID, menteeID, mentorID int64) (Limits, error) {
	lim := Limits{Config: cfg}
	mine, err := tx.ListMatchRequests(ctx, db.MatchRequestQuery{MenteeID: menteeID, Statuses: []string{db.RequestPending}})
	if err != nil {
		return lim, err
	}
	lim.OpenByMe = len(mine)
	for _, r := range mine {
		if r.MentorEnrollmentID == mentorID {
			lim.Pending = true
		}
	}
	pref, err := tx.MentorPrefOf(ctx, mentorID)
	if err != nil {
		return lim, err
	}
	lim.Paused = pref.Paused
	lim.OwnCapacity = cfg.OwnCapacity(pref)
	lim.MentorLoad, err = mentorLoad(ctx, tx, programID, mentorID)
	return lim, err
}

func mentorLoad(ctx context.Context, tx *db.Store, programID, mentorID int64) (int, error) {
	open, err := tx.OpenPairs(ctx, programID)
	n := 0
	for _, p := range open {
		if p.MentorEnrollmentID == mentorID {
			n++
		}
	}
	return n, err
}

// Accept is the mentor's yes: in one transaction it re-checks every rule
// (the same check as any pair, through pairs.CreateIn), makes the pair,
// marks the request accepted and withdraws the mentee's other pending
// requests, telling those mentors. A mentee paired meanwhile withdraws
// this request too, and Refusals says so. A request that is not the
// mentor's own is db.ErrNotFound; one no longer pending ErrNotPending.
func (s *Service) Accept(ctx context.Context, a pairs.Actor, program *db.Program, mentorID, requestID int64) (*Result, error) {
	cfg := ConfigFor(program)
	res := &Result{}
	err := s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		*res = Result{}
		if err := tx.LockPairing(ctx, program.ID); err != nil {
			return err
		}
		r, err := s.own(ctx, tx, program, mentorID, requestID)
		if errors.Is(err, ErrNotPending) && r.Status == db.RequestWithdrawn {
			res.Refusals = []pairing.Refusal{{Code: pairs.CodePaired, Reason: pairedElsewhere(r.MenteeName)}}
			return nil
		}
		if err != nil {
			return err
		}
		pref, err := tx.MentorPrefOf(ctx, mentorID)
		if err != nil {
			return err
		}
		load, err := mentorLoad(ctx, tx, program.ID, mentorID)
		if err != nil {
			return err
		}
		if load >= cfg.OwnCapacity(pref) {
			res.Refusals = []pairing.Refusal{{Code: CodeFull, Reason: fmt.Sprintf("You have no places left (%d of %d taken); raise your capacity or decline.", load, cfg.OwnCapacity(pref))}}
			return nil
		}
		p, rs, err := s.pairs.CreateIn(ctx, tx, a, program, pairs.NewPair{
			MentorID: mentorID, MenteeID: r.MenteeEnrollmentID, Status: db.PairActive, Source: pairs.SourceRequest})
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			if slices.ContainsFunc(rs, func(x pairing.Refusal) bool { return x.Code == pairs.CodePaired }) {
				// Someone else was quicker: this request is over, and
				// the mentor is told in plain words.
				res.Refusals = []pairing.Refusal{{Code: pairs.CodePaired, Reason: pairedElsewhere(r.MenteeName)}}
				return tx.DecideMatchRequest(ctx, r.ID, db.RequestWithdrawn, "paired with another mentor", nil)
			}
			res.Refusals = ForMember(rs)
			return nil
		}
		res.Pair = p
		if err := tx.DecideMatchRequest(ctx, r.ID, db.RequestAccepted, "", &p.ID); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionAccept, r, nil); err != nil {
			return err
		}
		if err := s.mail(ctx, tx, r.MenteeEmail, MailDecision, r, r.MentorName+" accepted your request",
			fmt.Sprintf("Hello %s,\n\n%s accepted your request in %s: you are now a pair. You will get an introduction mail with how to reach each other.\n\n%s/programs/%s/mentor\n",
				r.MenteeName, r.MentorName, program.Name, s.BaseURL, program.Slug)); err != nil {
			return err
		}
		res.Withdrawn, err = s.withdrawOthers(ctx, tx, program, r.MenteeEnrollmentID, "paired with another mentor")
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// withdrawOthers withdraws the mentee's pending requests, telling each
// mentor.
func (s *Service) withdrawOthers(ctx context.Context, tx *db.Store, program *db.Program, menteeID int64, why string) ([]*db.MatchRequestView, error) {
	others, err := tx.ListMatchRequests(ctx, db.MatchRequestQuery{MenteeID: menteeID, Statuses: []string{db.RequestPending}})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if err := tx.DecideMatchRequest(ctx, o.ID, db.RequestWithdrawn, why, nil); err != nil {
			return nil, err
		}
		o.Status = db.RequestWithdrawn
		if err := s.mail(ctx, tx, o.MentorEmail, MailWithdrawn, o, "A request to you was withdrawn",
			fmt.Sprintf("Hello %s,\n\n%s has been paired with another mentor in %s, so their request to you is withdrawn. Nothing for you to do.\n",
				o.MentorName, o.MenteeName, program.Name)); err != nil {
			return nil, err
		}
	}
	return others, nil
}

// Decline is the mentor's no, with an optional reason the mentee reads in
// kind words (KindDecline).
func (s *Service) Decline(ctx context.Context, a pairs.Actor, program *db.Program, mentorID, requestID int64, reason string) error {
	reason, err := CleanText(reason, MaxReason, "reason")
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		r, err := s.own(ctx, tx, program, mentorID, requestID)
		if err != nil {
			return err
		}
		if err := tx.DecideMatchRequest(ctx, r.ID, db.RequestDeclined, reason, nil); err != nil {
			return notPending(err)
		}
		if err := audit(ctx, tx, a, ActionDecline, r, nil); err != nil {
			return err
		}
		return s.mail(ctx, tx, r.MenteeEmail, MailDecision, r, "About your request to "+r.MentorName,
			fmt.Sprintf("Hello %s,\n\n%s\n\n%s/programs/%s/mentor\n", r.MenteeName, KindDecline(r.MentorName, reason), s.BaseURL, program.Slug))
	})
}

// Cancel is staff ending a pending request; the mentee and the mentor are
// told.
func (s *Service) Cancel(ctx context.Context, a pairs.Actor, program *db.Program, requestID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		r, err := tx.MatchRequestByID(ctx, requestID)
		if err != nil {
			return err
		}
		if r.ProgramID != program.ID {
			return db.ErrNotFound
		}
		if err := tx.DecideMatchRequest(ctx, r.ID, db.RequestCancelled, "cancelled by the program's staff", nil); err != nil {
			return notPending(err)
		}
		if err := audit(ctx, tx, a, ActionCancel, r, nil); err != nil {
			return err
		}
		for _, to := range []struct{ email, name string }{{r.MenteeEmail, r.MenteeName}, {r.MentorEmail, r.MentorName}} {
			if err := s.mail(ctx, tx, to.email, MailDecision, r, "A mentoring request was cancelled",
				fmt.Sprintf("Hello %s,\n\nThe staff of %s cancelled the request of %s to %s. You can find more on the program's pages.\n",
					to.name, program.Name, r.MenteeName, r.MentorName)); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPrefs stores a mentor's pause and own capacity (0: the program's
// limit); a capacity above the program's limit is refused.
func (s *Service) SetPrefs(ctx context.Context, program *db.Program, mentorID int64, paused bool, capacity int) error {
	cfg := ConfigFor(program)
	if capacity < 0 || capacity > cfg.Capacity {
		return fmt.Errorf("capacity must be between 1 and %d (the program's limit)", cfg.Capacity)
	}
	return s.store.SetMentorPref(ctx, &db.MentorPref{EnrollmentID: mentorID, Paused: paused, Capacity: capacity})
}

// own is a request of program addressed to mentor, or db.ErrNotFound: a
// mentor never learns of requests to others. A request no longer pending
// is returned with ErrNotPending.
func (s *Service) own(ctx context.Context, tx *db.Store, program *db.Program, mentorID, requestID int64) (*db.MatchRequestView, error) {
	r, err := tx.MatchRequestByID(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if r.ProgramID != program.ID || r.MentorEnrollmentID != mentorID {
		return nil, db.ErrNotFound
	}
	if r.Status != db.RequestPending {
		return r, ErrNotPending
	}
	return r, nil
}

// pairedElsewhere is what a mentor reads who accepts a mentee someone
// else accepted first.
func pairedElsewhere(mentee string) string {
	return mentee + " has just been paired with another mentor, so this request was withdrawn. Nothing else changed."
}

func notPending(err error) error {
	if errors.Is(err, db.ErrConflict) {
		return ErrNotPending
	}
	return err
}

// mail queues one message in the outbox inside tx, once per request,
// kind and recipient.
func (s *Service) mail(ctx context.Context, tx *db.Store, to, kind string, r *db.MatchRequestView, subject, body string) error {
	key := fmt.Sprintf("%s:%d:%s:%s", kind, r.ID, r.Status, db.NormalizeEmail(to))
	_, err := tx.EnqueueMail(ctx, &db.OutboxMessage{To: to, Subject: subject, TextBody: body, Kind: kind, DedupeKey: &key})
	return err
}

func audit(ctx context.Context, tx *db.Store, a pairs.Actor, action string, r *db.MatchRequestView, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["mentor_enrollment_id"] = r.MentorEnrollmentID
	details["mentee_enrollment_id"] = r.MenteeEnrollmentID
	ev := &db.AuditEvent{Action: action, SubjectType: "match_request", SubjectID: strconv.FormatInt(r.ID, 10),
		ProgramID: &r.ProgramID, Details: details, RequestID: a.RequestID}
	if a.PersonID != 0 {
		ev.ActorID = &a.PersonID
	}
	return tx.RecordAudit(ctx, ev)
}
