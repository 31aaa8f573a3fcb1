// Package formsource finds the form a program asks: the built-in form named
// by the program's form_key until its admins publish their own, then the
// published version, parsed once and cached. Every room that shows or
// validates a program's form reads it here, so members, staff, pairing and
// the API see the same version.
package formsource

import (
	"context"
	"fmt"
	"sync"
	"time"

	"cohort/app/forms"
	"cohort/db"
)

// ProgramTTL is how long a program row read through Program serves
// requests. Every step save needs its program (form version, flags);
// programs change only when an admin edits them, and a publish forgets the
// row at once on this instance, so the delay only reaches other instances.
const ProgramTTL = 5 * time.Second

type versionKey struct {
	program int64
	version int
}

type cachedProgram struct {
	p  *db.Program
	at time.Time
}

// Source reads programs' forms. It is safe for concurrent use. Published
// versions are immutable, so a parsed version is cached for the life of
// the process.
type Source struct {
	store   *db.Store
	builtin *forms.Registry

	mu       sync.RWMutex
	versions map[versionKey]*forms.Definition
	programs map[int64]cachedProgram
}

// New returns a Source over the store's published versions and the
// built-in forms.
func New(store *db.Store, builtin *forms.Registry) *Source {
	s := &Source{store: store, builtin: builtin,
		versions: map[versionKey]*forms.Definition{}, programs: map[int64]cachedProgram{}}
	store.OnFormPublished(s.Forget)
	return s
}

// Builtin returns the forms compiled into the binary, which new programs
// start from.
func (s *Source) Builtin() *forms.Registry { return s.builtin }

// Current returns the form p asks now: its published version, or the
// built-in form named by p.FormKey while it has none.
func (s *Source) Current(ctx context.Context, p *db.Program) (*forms.Definition, error) {
	return s.At(ctx, p, p.FormVersion)
}

// At returns version of p's form, as an enrollment answered under it
// needs (0: the built-in form named by p.FormKey).
func (s *Source) At(ctx context.Context, p *db.Program, version int) (*forms.Definition, error) {
	if version == 0 {
		def, ok := s.builtin.Get(p.FormKey)
		if !ok {
			return nil, fmt.Errorf("formsource: program %q uses form %q, which is not built in", p.Slug, p.FormKey)
		}
		return def, nil
	}
	k := versionKey{p.ID, version}
	s.mu.RLock()
	def := s.versions[k]
	s.mu.RUnlock()
	if def != nil {
		return def, nil
	}
	v, err := s.store.FormVersion(ctx, p.ID, version)
	if err != nil {
		return nil, fmt.Errorf("formsource: program %q form version %d: %w", p.Slug, version, err)
	}
	def, probs := forms.Import(fmt.Sprintf("%s version %d", p.Slug, version), []byte(v.Definition))
	if len(probs) > 0 {
		// Only checked definitions are published; this is a damaged row.
		return nil, fmt.Errorf("formsource: program %q form version %d: %w", p.Slug, version, probs)
	}
	s.mu.Lock()
	if have := s.versions[k]; have != nil {
		def = have // another request parsed it first: share one copy
	} else {
		s.versions[k] = def
	}
	s.mu.Unlock()
	return def, nil
}

// Program returns the program with this id, read from the database at
// most once per ProgramTTL: the step save path reads its program here, so
// the form version comes without a query of its own.
func (s *Source) Program(ctx context.Context, id int64) (*db.Program, error) {
	now := time.Now()
	s.mu.RLock()
	c, ok := s.programs[id]
	s.mu.RUnlock()
	if ok && now.Sub(c.at) < ProgramTTL {
		return c.p, nil
	}
	p, err := s.store.ProgramByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.programs[id] = cachedProgram{p, now}
	s.mu.Unlock()
	return p, nil
}

// Forget drops the cached row of program id, so the next Program reads
// it again (after an admin changed it).
func (s *Source) Forget(id int64) {
	s.mu.Lock()
	delete(s.programs, id)
	s.mu.Unlock()
}

// Publish makes the program's draft at baseRevision its next version
// (db.Store.PublishFormDraft: ErrStale when someone changed the draft).
// The store tells every Source of this process to forget the program's
// cached row (see db.Store.OnFormPublished), so members of this instance
// get the new version at once. The caller has checked exactly that
// revision with forms.Build.
func (s *Source) Publish(ctx context.Context, programID int64, baseRevision int, by int64) (*db.FormVersion, error) {
	return s.store.PublishFormDraft(ctx, programID, baseRevision, by)
}

// Versions holds the definitions an enrollment is read with: the version
// it was answered under and the program's current one (the same pointer
// when they are equal).
type Versions struct {
	Answered, Current *forms.Definition
}

// For returns the definitions of an enrollment answered under version.
func (s *Source) For(ctx context.Context, p *db.Program, version int) (Versions, error) {
	cur, err := s.Current(ctx, p)
	if err != nil {
		return Versions{}, err
	}
	if version == p.FormVersion {
		return Versions{cur, cur}, nil
	}
	at, err := s.At(ctx, p, version)
	if err != nil {
		return Versions{}, err
	}
	return Versions{at, cur}, nil
}

// History returns every version of p's form, newest first: the current
// one, the versions published before it, and last the built-in form the
// program started from. Staff views label answers to questions a newer
// version dropped from it. Each version is read once, then cached.
func (s *Source) History(ctx context.Context, p *db.Program) ([]*forms.Definition, error) {
	out := make([]*forms.Definition, 0, p.FormVersion+1)
	for v := p.FormVersion; v >= 0; v-- {
		def, err := s.At(ctx, p, v)
		if err != nil {
			return nil, err
		}
		out = append(out, def)
	}
	return out, nil
}
