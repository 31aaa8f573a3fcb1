// Package demo seeds a deterministic demo dataset: a mentoring program, the
// three demo accounts a developer signs in as, and any number of
// participants with varied roles, time zones, availability and interests.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"time"

	"cohort/app/authz"
	"cohort/app/features"
	"cohort/db"
)

// ProgramSlug is the demo mentoring program's slug.
const ProgramSlug = "demo-mentoring"

// Demo account emails, for tests and the role seed.
const (
	AdminEmail  = "admin@example.com"
	StaffEmail  = "staff@example.com"
	MemberEmail = "member@example.com"
)

// Accounts are the demo people offered by the development sign-in, in the
// order shown.
var Accounts = []struct{ Email, Name, Role string }{
	{AdminEmail, "Ada Admin", db.RoleAdmin},
	{StaffEmail, "Sam Staff", db.RoleStaff},
	{MemberEmail, "Mel Member", db.RoleMember},
}

// ErrAlreadySeeded means the demo program exists already.
var ErrAlreadySeeded = errors.New("demo data is already present")

// Options control the seed.
type Options struct {
	Participants int
	// Seed makes the data reproducible: the same Seed and Participants give
	// the same rows.
	Seed uint64
}

// Summary says what was created.
type Summary struct {
	People, Enrollments, Interests int
	Took                           time.Duration
}

// batch is how many rows go in one INSERT: large enough to amortise the
// round trip, small enough to keep statements a few hundred KB.
const batch = 1000

// Seed creates the demo data in one transaction.
func Seed(ctx context.Context, s *db.Store, o Options) (Summary, error) {
	start := time.Now()
	if o.Participants < 0 {
		return Summary{}, fmt.Errorf("participants must be zero or more")
	}
	var sum Summary
	err := s.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		prog := program()
		if err := tx.CreateProgram(ctx, prog); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return ErrAlreadySeeded
			}
			return err
		}
		for _, p := range otherPrograms() {
			if err := tx.CreateProgram(ctx, p); err != nil {
				return err
			}
		}
		var staff []*db.Person
		for _, a := range Accounts {
			staff = append(staff, &db.Person{Email: a.Email, Name: a.Name, Role: a.Role})
		}
		if err := tx.CreatePeople(ctx, staff); err != nil {
			return fmt.Errorf("demo accounts: %w", err)
		}
		for _, p := range staff {
			// A local grant, so the role survives RecomputeRole at sign-in.
			if p.Role != db.RoleMember {
				if _, err := tx.SetGrantedRole(ctx, p.ID, p.Role, 0); err != nil {
					return fmt.Errorf("demo role grants: %w", err)
				}
			}
			if p.Email == StaffEmail {
				if err := tx.SetProgramRole(ctx, p.ID, prog.ID, authz.RoleCoordinator, 0); err != nil {
					return fmt.Errorf("demo program role: %w", err)
				}
			}
		}
		sum.People += len(staff)
		g := newGenerator(o.Seed)
		for done := 0; done < o.Participants; done += batch {
			n := min(batch, o.Participants-done)
			people := make([]*db.Person, n)
			ens := make([]*db.Enrollment, n)
			for i := range n {
				people[i], ens[i] = g.participant(done + i)
			}
			if err := tx.CreatePeople(ctx, people); err != nil {
				return fmt.Errorf("participants: %w", err)
			}
			for i, e := range ens {
				e.ProgramID, e.PersonID = prog.ID, people[i].ID
				sum.Interests += len(e.Interests)
			}
			if err := tx.CreateEnrollments(ctx, ens); err != nil {
				return fmt.Errorf("enrollments: %w", err)
			}
			sum.People += n
			sum.Enrollments += n
		}
		return nil
	})
	sum.Took = time.Since(start)
	return sum, err
}

func program() *db.Program {
	return &db.Program{
		Slug: ProgramSlug,
		Name: "Demo Mentoring Program",
		Kind: db.KindMentoring,
		Description: "A year-long mentoring program pairing people across the organization. " +
			"Mentors share what they know; learners grow their skills and network.",
		FormKey:  "mentoring",
		TermDays: 365,
		Settings: db.ProgramSettings{DefaultMentorCapacity: 2, MinOverlapHours: 2,
			Flags: map[string]bool{features.Pairing: true, features.Renewal: true}},
	}
}

// otherPrograms show the other two built-in forms: an application with
// eligibility rules and file uploads, and a membership with renewal.
func otherPrograms() []*db.Program {
	return []*db.Program{
		{
			Slug: "demo-assistance", Name: "Community Assistance Application", Kind: db.KindApplication,
			Description: "Apply once to find out which city benefits your household qualifies for: reduced transit fares, " +
				"affordable internet, and recreation passes.",
			FormKey:  "application",
			Settings: db.ProgramSettings{Flags: map[string]bool{features.Uploads: true}},
		},
		{
			Slug: "demo-membership", Name: "Volunteer Membership", Kind: db.KindMembership,
			Description: "Join a volunteer team for a mission of a few months; renew when your mission is ending.",
			FormKey:     "membership", TermDays: 180,
			Settings: db.ProgramSettings{Flags: map[string]bool{features.Renewal: true}},
		},
	}
}

// Interest presets, as the mentoring form offers them.
var Interests = []string{
	"Career growth", "Technical skills", "Leadership", "Communication",
	"Work-life balance", "Navigating the organization",
}

var (
	firstNames = []string{"Alex", "Bea", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jonas", "Kemi", "Luca", "Mira", "Nils", "Oona", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vik", "Wren", "Yuki", "Zoe"}
	lastNames  = []string{"Abara", "Berg", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quint", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz"}
	orgs       = []string{"engineering", "product", "design", "data", "security", "marketing", "operations", "people"}
	levels     = []string{"IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "M1", "M2", "M3"}
	timeAt     = []string{"<1", "1-2", "2-3", "3-5", "5-6", ">6"}
	distances  = []string{"require-close", "prefer-close", "neutral", "prefer-far", "require-far"}
	tracks     = []string{"yes", "maybe", "no"}
	extras     = []string{"Public speaking", "Open source", "Data analysis", "Product strategy", "Hiring", "Writing"}
	statuses   = []string{db.StatusDraft, db.StatusSubmitted, db.StatusSubmitted, db.StatusApproved, db.StatusApproved, db.StatusApproved, db.StatusWaitlisted}
)

// zones are real IANA names with their offset on a fixed date, so the data
// does not depend on when it is seeded.
var zones = []struct {
	Name   string
	Offset int // minutes east of UTC
}{
	{"America/Los_Angeles", -480}, {"America/Denver", -420}, {"America/Chicago", -360},
	{"America/New_York", -300}, {"America/Sao_Paulo", -180}, {"Europe/London", 0},
	{"Europe/Berlin", 60}, {"Africa/Lagos", 60}, {"Europe/Athens", 120},
	{"Asia/Kolkata", 330}, {"Asia/Singapore", 480}, {"Asia/Tokyo", 540}, {"Australia/Sydney", 660},
}

type generator struct{ r *rand.Rand }

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *generator) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *generator) participant(i int) (*db.Person, *db.Enrollment) {
	first, last := g.pick(firstNames), g.pick(lastNames)
	name := first + " " + last
	email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i+1)
	z := zones[g.r.IntN(len(zones))]
	role := g.r.IntN(10) // 0-3 mentor, 4-8 mentee, 9 both
	e := &db.Enrollment{
		Status:       g.pick(statuses),
		FullName:     name,
		IsMentor:     role <= 3 || role == 9,
		IsMentee:     role >= 4,
		TimeZone:     z.Name,
		TZOffsetMin:  z.Offset,
		AvailMask:    g.availability(z.Offset),
		Org:          g.pick(orgs),
		Level:        g.pick(levels),
		TimeAtLevel:  g.pick(timeAt),
		DistancePref: g.pick(distances),
	}
	if e.IsMentee {
		e.TrackChange = g.pick(tracks)
	}
	if g.r.IntN(3) == 0 {
		e.ManagerName = g.pick(firstNames) + " " + g.pick(lastNames)
		e.ManagerEmail = fmt.Sprintf("manager.%d@example.com", g.r.IntN(200)+1)
	}
	if g.r.IntN(4) == 0 {
		e.Comments = "Happy to meet " + []string{"weekly", "every other week", "monthly"}[g.r.IntN(3)] + "."
	}
	// The answers are what the mentoring form (app/forms) would have stored,
	// so review and staff pages show seeded people like real ones.
	var roles []string
	if e.IsMentor {
		roles = append(roles, "mentor")
	}
	if e.IsMentee {
		roles = append(roles, "learner")
	}
	e.Answers = map[string]any{
		"full_name": name, "roles": roles, "org": e.Org, "level": e.Level, "time_at_level": e.TimeAtLevel,
		"distance_pref": e.DistancePref, "time_zone": e.TimeZone, "hours": map[string]any{"mask": e.AvailMask},
		"consent": true,
	}
	if e.TrackChange != "" {
		e.Answers["track_change"] = e.TrackChange
	}
	if e.ManagerEmail != "" {
		e.Answers["manager_name"], e.Answers["manager_email"] = e.ManagerName, e.ManagerEmail
	}
	if e.Comments != "" {
		e.Answers["comments"] = e.Comments
	}
	for _, side := range []struct {
		on        bool
		name, key string
	}{{e.IsMentor, db.SideMentor, "mentor_interests"}, {e.IsMentee, db.SideMentee, "mentee_interests"}} {
		if !side.on {
			continue
		}
		seen := map[string]bool{}
		var chosen []string
		for range 1 + g.r.IntN(3) {
			in := g.pick(Interests)
			if g.r.IntN(5) == 0 {
				in = g.pick(extras)
			}
			key := strings.ToLower(in)
			if seen[key] {
				continue
			}
			seen[key] = true
			chosen = append(chosen, in)
			e.Interests = append(e.Interests, db.EnrollmentInterest{Side: side.name, Interest: key})
		}
		e.Answers[side.key] = chosen
	}
	e.CompletedSteps = "about,role,availability,interests,finish"
	if e.Status == db.StatusDraft {
		e.CompletedSteps = []string{"", "about", "about,role", "about,role,availability"}[g.r.IntN(4)]
	}
	if e.Status != db.StatusDraft {
		t := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(60*24)) * time.Hour)
		e.SubmittedAt = &t
	}
	return &db.Person{Email: email, Name: name, Role: db.RoleMember}, e
}

// availability is a local working window of 4-9 hours starting 8-11 local,
// as a 24-bit UTC mask.
func (g *generator) availability(offsetMin int) int64 {
	startLocal := 8 + g.r.IntN(4)
	length := 4 + g.r.IntN(6)
	var mask uint32
	for h := startLocal; h < startLocal+length; h++ {
		utc := ((h*60-offsetMin)/60%24 + 24) % 24
		mask |= 1 << utc
	}
	return int64(mask)
}

// Hours counts the hours in a mask (used by tests and summaries).
func Hours(mask int64) int { return bits.OnesCount32(uint32(mask)) }

// Defaults for `cohort seed demo` and the first-start seed.
const (
	DefaultParticipants = 60
	DefaultSeed         = 2026
)
