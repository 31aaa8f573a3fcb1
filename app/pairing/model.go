package pairing

// Person is one enrollment as the pairing algorithm sees it: the answers that
// matter for matching, already normalised by the caller (lower-cased emails and
// interests). The same struct serves mentors and mentees; fields that only make
// sense for one role are ignored for the other.
type Person struct {
	// ID is the enrollment id; it breaks ties so results are deterministic.
	ID int64
	// Email is the lower-cased sign-in email; two people with the same email
	// are the same person.
	Email string
	// Name is shown in explanations and refusal reasons.
	Name string
	// Org is compared case-insensitively; empty means unknown.
	Org string
	// Level is the org level, e.g. IC3 or M2 (see [LevelRank]).
	Level string
	// AvailMask has bit h set when the person is free at UTC hour h (0–23).
	AvailMask uint32
	// Interests are what a mentor offers, or what a mentee wants.
	Interests []string
	// DistancePref is one of the Distance* constants, or "" for no answer.
	DistancePref string
	// TrackChange (mentees) is one of the Track* constants, or "".
	TrackChange string
	// ManagerEmail is the lower-cased email of the person's manager; that
	// manager is never suggested as their mentor.
	ManagerEmail string
	// Capacity (mentors) is how many mentees they take in total; 0 means the
	// program's [Settings.DefaultCapacity].
	Capacity int
	// Current (mentors) is how many active pairs they already have.
	Current int
}

// Org-distance preferences, as the enrollment form stores them.
const (
	DistanceRequireClose = "require-close"
	DistancePreferClose  = "prefer-close"
	DistanceNeutral      = "neutral"
	DistancePreferFar    = "prefer-far"
	DistanceRequireFar   = "require-far"
)

// Track-change answers of a mentee.
const (
	TrackYes   = "yes"
	TrackMaybe = "maybe"
	TrackNo    = "no"
)

// Settings are a program's pairing settings.
type Settings struct {
	// MinOverlapHours is a hard rule: fewer shared UTC hours refuse the pair.
	MinOverlapHours int
	// DefaultCapacity applies to mentors whose Capacity is 0. A value ≤ 0 is
	// read as 1, so a mentor who left the question blank can still be paired.
	DefaultCapacity int
	// Weights of the soft factors.
	Weights Weights
}

// Weights weigh the soft factors. Each weight is the score of one unit of its
// factor: one hour of overlap, one shared interest, one satisfied distance
// preference, a good level gap, a wanted track change.
type Weights struct {
	Overlap        float64
	SharedInterest float64
	Distance       float64
	LevelGap       float64
	TrackChange    float64
	// MaxOverlapCounted caps the overlap hours that score: beyond a few
	// hours a weekly one-hour meeting gets no easier. 0 means no cap.
	MaxOverlapCounted int
}

// DefaultWeights are the weights a program starts with. Overlap is capped at
// 4 h so that a pair free all day does not outscore a pair that shares what
// the mentee asked for; a shared interest is worth a bit more than an hour.
func DefaultWeights() Weights {
	return Weights{
		Overlap:           1,
		SharedInterest:    1.5,
		Distance:          2,
		LevelGap:          1,
		TrackChange:       1,
		MaxOverlapCounted: 4,
	}
}

// DefaultSettings are the settings of a new program: two hours of overlap
// (a one-hour call needs some slack), one mentee per mentor, default weights.
func DefaultSettings() Settings {
	return Settings{MinOverlapHours: 2, DefaultCapacity: 1, Weights: DefaultWeights()}
}

// Seen reports whether mentor and mentee (by lower-cased email) were paired
// before. The app backs it with the keyed hash history, which outlives the
// purge of personal data. A nil Seen means no history.
//
// Evaluate always asks it. Suggest, Propose and Greedy ask only about pairs
// that pass every other rule, and only when the answer can change the result
// (each at most once per pair), because each call may cost an HMAC. It is
// never called from more than one goroutine at a time.
type Seen func(mentorEmail, menteeEmail string) bool

// capacityLeft is how many more mentees a mentor can take.
func capacityLeft(p *Person, s Settings) int {
	c := p.Capacity
	if c == 0 {
		c = max(s.DefaultCapacity, 1)
	}
	return c - p.Current
}
