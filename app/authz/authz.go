// Package authz decides who may do what. It is pure logic — no HTTP, no
// database — so the rules can be read, tested and benchmarked on their own:
// the web layer (app/access) loads a Subject and asks Can.
//
// Permissions are named. Program-scoped ones are held per program; global
// ones (jobs, people, audit) are held once, and are looked up in "program
// 0". A person's permissions in program X are those of their global role and
// of their program role in X, plus their grants for X or for every program,
// minus their revokes for X or for every program. A revoke always wins.
package authz

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Permission is a named capability, such as "participants.view".
type Permission string

// Program-scoped permissions: held per program.
const (
	ParticipantsView   Permission = "participants.view"
	ParticipantsEdit   Permission = "participants.edit"
	ParticipantsExport Permission = "participants.export"
	PairsManage        Permission = "pairs.manage"
	ProgramManage      Permission = "program.manage"
)

// Global permissions: not tied to a program.
const (
	JobsManage   Permission = "jobs.manage"
	PeopleManage Permission = "people.manage"
	AuditView    Permission = "audit.view"
)

// AllPrograms is the program id that means "every program" in an override,
// and the scope in which global permissions are held.
const AllPrograms int64 = 0

// Global roles, from SSO groups or granted locally (people.role holds the
// effective one).
const (
	RoleMember = "member"
	RoleStaff  = "staff"
	RoleAdmin  = "admin"
)

// Program roles, held per program (program_roles.role).
const (
	RoleOwner       = "owner"
	RoleCoordinator = "coordinator"
	RoleReviewer    = "reviewer"
)

// registry is every permission that exists, with whether it is global.
// Anything not in here is unknown: overrides naming it fail start-up.
var registry = map[Permission]bool{
	ParticipantsView:   false,
	ParticipantsEdit:   false,
	ParticipantsExport: false,
	PairsManage:        false,
	ProgramManage:      false,
	JobsManage:         true,
	PeopleManage:       true,
	AuditView:          true,
}

// globalRoles maps a global role to what it holds. Staff hold the
// program-scoped permissions (except managing the program itself) in every
// program; admins hold everything everywhere.
var globalRoles = map[string][]Permission{
	RoleMember: nil,
	RoleStaff:  {ParticipantsView, ParticipantsEdit, ParticipantsExport, PairsManage},
	RoleAdmin: {ParticipantsView, ParticipantsEdit, ParticipantsExport, PairsManage, ProgramManage,
		JobsManage, PeopleManage, AuditView},
}

// programRoles maps a program role to what it holds in its program.
var programRoles = map[string][]Permission{
	RoleOwner:       {ParticipantsView, ParticipantsEdit, ParticipantsExport, PairsManage, ProgramManage},
	RoleCoordinator: {ParticipantsView, ParticipantsEdit, ParticipantsExport, PairsManage},
	RoleReviewer:    {ParticipantsView},
}

// Override grants or revokes one permission for one person in one program
// (ProgramID AllPrograms: in every program).
type Override struct {
	ProgramID  int64
	Permission Permission
	Grant      bool // false: revoke
}

// Subject is everything the rules need to know about a person.
type Subject struct {
	PersonID     int64
	GlobalRole   string
	ProgramRoles map[int64]string // program id → program role
	Overrides    []Override
}

// Can reports whether s may do p in program programID. It is the one
// function that answers "may this person do P in program X"; every check in
// the application goes through it. A global permission ignores programID.
// programID AllPrograms asks whether s may do p in every program, which only
// the global role and all-program grants can give.
func Can(s Subject, p Permission, programID int64) bool {
	global, known := registry[p]
	if !known {
		return false // an unknown permission is never held
	}
	if global {
		programID = AllPrograms
	}
	held := slices.Contains(globalRoles[s.GlobalRole], p)
	if !held && programID != AllPrograms {
		if role, ok := s.ProgramRoles[programID]; ok {
			held = slices.Contains(programRoles[role], p)
		}
	}
	for _, o := range s.Overrides {
		if o.Permission != p || (o.ProgramID != programID && o.ProgramID != AllPrograms) {
			continue
		}
		if !o.Grant {
			return false // a revoke beats the role and any grant
		}
		held = true
	}
	return held
}

// Effective lists, sorted, every permission s holds when working in program
// programID: the program-scoped ones held there and the global ones.
func Effective(s Subject, programID int64) []Permission {
	var out []Permission
	for _, p := range All() {
		if Can(s, p, programID) {
			out = append(out, p)
		}
	}
	return out
}

// All lists every registered permission, sorted.
func All() []Permission {
	out := make([]Permission, 0, len(registry))
	for p := range registry {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// IsGlobal reports whether p is a global (not program-scoped) permission.
func IsGlobal(p Permission) bool { return registry[p] }

// ParsePermission returns the permission with that name, or an error naming
// it if no such permission exists.
func ParsePermission(name string) (Permission, error) {
	p := Permission(name)
	if _, ok := registry[p]; !ok {
		return "", fmt.Errorf("unknown permission %q (known: %s)", name, knownList())
	}
	return p, nil
}

// ValidatePermissions checks names (for example those stored in the
// database) and returns an error naming every unknown one.
func ValidatePermissions(names []string) error {
	var bad []string
	for _, n := range names {
		if _, ok := registry[Permission(n)]; !ok {
			bad = append(bad, fmt.Sprintf("%q", n))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	word := "permission"
	if len(bad) > 1 {
		word = "permissions"
	}
	return fmt.Errorf("unknown %s %s (known: %s)", word, strings.Join(bad, ", "), knownList())
}

func knownList() string {
	all := All()
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// ValidateOverride checks an override before it is stored: the permission
// exists, and a global permission is overridden only for AllPrograms (a
// global permission held "in program 5" would mean nothing).
func ValidateOverride(o Override) error {
	global, ok := registry[o.Permission]
	if !ok {
		return fmt.Errorf("unknown permission %q", o.Permission)
	}
	if global && o.ProgramID != AllPrograms {
		return fmt.Errorf("%s is a global permission: it can only be granted or revoked for all programs", o.Permission)
	}
	if o.ProgramID < 0 {
		return fmt.Errorf("invalid program id %d", o.ProgramID)
	}
	return nil
}

// GlobalRoles lists the global roles, lowest first.
func GlobalRoles() []string { return []string{RoleMember, RoleStaff, RoleAdmin} }

// ProgramRoleNames lists the program roles, most powerful first.
func ProgramRoleNames() []string { return []string{RoleOwner, RoleCoordinator, RoleReviewer} }

// IsGlobalRole reports whether role is a known global role.
func IsGlobalRole(role string) bool { _, ok := globalRoles[role]; return ok }

// IsProgramRole reports whether role is a known program role.
func IsProgramRole(role string) bool { _, ok := programRoles[role]; return ok }

// RolePermissions lists, sorted, what a global role holds.
func RolePermissions(role string) []Permission { return sorted(globalRoles[role]) }

// ProgramRolePermissions lists, sorted, what a program role holds in its
// program.
func ProgramRolePermissions(role string) []Permission { return sorted(programRoles[role]) }

func sorted(ps []Permission) []Permission {
	out := slices.Clone(ps)
	slices.Sort(out)
	return out
}

// CheckDefinitions verifies the role tables: every role maps only to
// registered permissions and program roles only to program-scoped ones. It
// runs at start-up so a typo in code fails loudly rather than silently
// granting nothing.
func CheckDefinitions() error {
	return checkDefinitions(registry, globalRoles, programRoles)
}

func checkDefinitions(reg map[Permission]bool, global, program map[string][]Permission) error {
	var problems []string
	for _, role := range sortedKeys(global) {
		for _, p := range global[role] {
			if _, ok := reg[p]; !ok {
				problems = append(problems, fmt.Sprintf("global role %q maps to unknown permission %q", role, p))
			}
		}
	}
	for _, role := range sortedKeys(program) {
		for _, p := range program[role] {
			isGlobal, ok := reg[p]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("program role %q maps to unknown permission %q", role, p))
			case isGlobal:
				problems = append(problems, fmt.Sprintf("program role %q maps to global permission %q", role, p))
			}
		}
	}
	for _, p := range sortedKeys(reg) {
		if string(p) != strings.TrimSpace(string(p)) || !strings.Contains(string(p), ".") {
			problems = append(problems, fmt.Sprintf("permission %q is not of the form area.action", p))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("authorization definitions: %s", strings.Join(problems, "; "))
	}
	return nil
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
