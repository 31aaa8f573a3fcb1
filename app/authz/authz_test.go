package authz

import (
	"slices"
	"strings"
	"testing"
)

const (
	progX int64 = 10
	progY int64 = 20
)

func TestRoleMaps(t *testing.T) {
	programScoped := []Permission{ParticipantsEdit, ParticipantsExport, ParticipantsView, PairsManage, ProgramManage}
	tests := []struct {
		name    string
		subject Subject
		program int64
		want    []Permission
	}{
		{"member holds nothing", Subject{GlobalRole: RoleMember}, progX, nil},
		{"unknown global role holds nothing", Subject{GlobalRole: "root"}, progX, nil},
		{"empty subject holds nothing", Subject{}, AllPrograms, nil},
		{"staff: program-scoped except program.manage", Subject{GlobalRole: RoleStaff}, progX,
			[]Permission{ParticipantsEdit, ParticipantsExport, ParticipantsView, PairsManage}},
		{"staff hold them in every program", Subject{GlobalRole: RoleStaff}, AllPrograms,
			[]Permission{ParticipantsEdit, ParticipantsExport, ParticipantsView, PairsManage}},
		{"admin holds everything in a program", Subject{GlobalRole: RoleAdmin}, progX, All()},
		{"admin holds everything everywhere", Subject{GlobalRole: RoleAdmin}, AllPrograms, All()},
		{"owner of X", Subject{GlobalRole: RoleMember, ProgramRoles: map[int64]string{progX: RoleOwner}}, progX, programScoped},
		{"coordinator of X", Subject{ProgramRoles: map[int64]string{progX: RoleCoordinator}}, progX,
			[]Permission{ParticipantsEdit, ParticipantsExport, ParticipantsView, PairsManage}},
		{"reviewer of X", Subject{ProgramRoles: map[int64]string{progX: RoleReviewer}}, progX, []Permission{ParticipantsView}},
		{"reviewer of X has nothing in Y", Subject{ProgramRoles: map[int64]string{progX: RoleReviewer}}, progY, nil},
		{"owner of X has nothing in all programs", Subject{ProgramRoles: map[int64]string{progX: RoleOwner}}, AllPrograms, nil},
		{"unknown program role holds nothing", Subject{ProgramRoles: map[int64]string{progX: "janitor"}}, progX, nil},
		{"staff and owner of X: union", Subject{GlobalRole: RoleStaff, ProgramRoles: map[int64]string{progX: RoleOwner}}, progX, programScoped},
		{"staff and owner of X: staff only in Y", Subject{GlobalRole: RoleStaff, ProgramRoles: map[int64]string{progX: RoleOwner}}, progY,
			[]Permission{ParticipantsEdit, ParticipantsExport, ParticipantsView, PairsManage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Effective(tt.subject, tt.program)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("Effective = %v, want %v", got, want)
			}
			// Can and Effective must agree on every permission.
			for _, p := range All() {
				if Can(tt.subject, p, tt.program) != slices.Contains(got, p) {
					t.Errorf("Can(%s) disagrees with Effective", p)
				}
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	grant := func(prog int64, p Permission) Override { return Override{ProgramID: prog, Permission: p, Grant: true} }
	revoke := func(prog int64, p Permission) Override { return Override{ProgramID: prog, Permission: p} }
	tests := []struct {
		name    string
		subject Subject
		perm    Permission
		program int64
		want    bool
	}{
		{"grant in X gives it in X", Subject{Overrides: []Override{grant(progX, ParticipantsExport)}}, ParticipantsExport, progX, true},
		{"grant in X does not give it in Y", Subject{Overrides: []Override{grant(progX, ParticipantsExport)}}, ParticipantsExport, progY, false},
		{"grant in X does not give it in all programs", Subject{Overrides: []Override{grant(progX, ParticipantsExport)}}, ParticipantsExport, AllPrograms, false},
		{"grant for all gives it in Y", Subject{Overrides: []Override{grant(AllPrograms, PairsManage)}}, PairsManage, progY, true},
		{"grant for all gives it in all", Subject{Overrides: []Override{grant(AllPrograms, PairsManage)}}, PairsManage, AllPrograms, true},
		{"grant of one permission gives no other", Subject{Overrides: []Override{grant(progX, ParticipantsView)}}, ParticipantsEdit, progX, false},
		{"revoke beats the global role", Subject{GlobalRole: RoleStaff, Overrides: []Override{revoke(progX, ParticipantsExport)}}, ParticipantsExport, progX, false},
		{"revoke in X leaves the role in Y", Subject{GlobalRole: RoleStaff, Overrides: []Override{revoke(progX, ParticipantsExport)}}, ParticipantsExport, progY, true},
		{"revoke in X: not held in every program", Subject{GlobalRole: RoleStaff, Overrides: []Override{revoke(progX, ParticipantsExport)}}, ParticipantsExport, AllPrograms, true},
		{"revoke for all beats the program role", Subject{ProgramRoles: map[int64]string{progX: RoleOwner}, Overrides: []Override{revoke(AllPrograms, ProgramManage)}}, ProgramManage, progX, false},
		{"revoke beats a grant (grant first)", Subject{Overrides: []Override{grant(progX, PairsManage), revoke(progX, PairsManage)}}, PairsManage, progX, false},
		{"revoke beats a grant (revoke first)", Subject{Overrides: []Override{revoke(AllPrograms, PairsManage), grant(progX, PairsManage)}}, PairsManage, progX, false},
		{"revoke beats the admin role", Subject{GlobalRole: RoleAdmin, Overrides: []Override{revoke(AllPrograms, AuditView)}}, AuditView, AllPrograms, false},
		{"global grant", Subject{Overrides: []Override{grant(AllPrograms, JobsManage)}}, JobsManage, AllPrograms, true},
		{"global permission ignores the program asked", Subject{Overrides: []Override{grant(AllPrograms, JobsManage)}}, JobsManage, progX, true},
		{"global grant stored for a program does nothing", Subject{Overrides: []Override{grant(progX, JobsManage)}}, JobsManage, progX, false},
		{"staff have no global permissions", Subject{GlobalRole: RoleStaff}, PeopleManage, AllPrograms, false},
		{"admin has global permissions", Subject{GlobalRole: RoleAdmin}, PeopleManage, progY, true},
		{"program role gives no global permission", Subject{ProgramRoles: map[int64]string{progX: RoleOwner}}, AuditView, progX, false},
		{"unknown permission is never held", Subject{GlobalRole: RoleAdmin, Overrides: []Override{grant(AllPrograms, "root.everything")}}, "root.everything", AllPrograms, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Can(tt.subject, tt.perm, tt.program); got != tt.want {
				t.Fatalf("Can(%s, %d) = %v, want %v", tt.perm, tt.program, got, tt.want)
			}
		})
	}
}

func TestParseAndValidate(t *testing.T) {
	for _, p := range All() {
		got, err := ParsePermission(string(p))
		if err != nil || got != p {
			t.Errorf("ParsePermission(%q) = %q, %v", p, got, err)
		}
	}
	tests := []struct {
		name    string
		names   []string
		wantErr []string // substrings of the error; nil: no error
	}{
		{"none", nil, nil},
		{"all known", []string{"participants.view", "audit.view"}, nil},
		{"one unknown", []string{"participants.view", "participants.delete"}, []string{`unknown permission "participants.delete"`}},
		{"several unknown are all named", []string{"b.x", "a.x"}, []string{`unknown permissions "a.x", "b.x"`}},
		{"case matters", []string{"Participants.View"}, []string{`"Participants.View"`}},
		{"empty name", []string{""}, []string{`""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePermissions(tt.names)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := ParsePermission("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("ParsePermission(nope) err = %v", err)
	}
}

func TestValidateOverride(t *testing.T) {
	tests := []struct {
		name string
		o    Override
		ok   bool
	}{
		{"program permission in a program", Override{ProgramID: progX, Permission: PairsManage, Grant: true}, true},
		{"program permission everywhere", Override{Permission: PairsManage}, true},
		{"global permission everywhere", Override{Permission: JobsManage, Grant: true}, true},
		{"global permission in a program", Override{ProgramID: progX, Permission: JobsManage, Grant: true}, false},
		{"unknown permission", Override{Permission: "x.y"}, false},
		{"negative program", Override{ProgramID: -1, Permission: PairsManage}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateOverride(tt.o); (err == nil) != tt.ok {
				t.Fatalf("ValidateOverride = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCheckDefinitions(t *testing.T) {
	if err := CheckDefinitions(); err != nil {
		t.Fatal(err)
	}
	reg := map[Permission]bool{"a.view": false, "g.run": true}
	tests := []struct {
		name    string
		reg     map[Permission]bool
		global  map[string][]Permission
		program map[string][]Permission
		wantErr string
	}{
		{"good", reg, map[string][]Permission{"admin": {"a.view", "g.run"}}, map[string][]Permission{"owner": {"a.view"}}, ""},
		{"global role names an unknown permission", reg, map[string][]Permission{"admin": {"a.edit"}}, nil, `global role "admin" maps to unknown permission "a.edit"`},
		{"program role names an unknown permission", reg, nil, map[string][]Permission{"owner": {"a.delete"}}, `program role "owner" maps to unknown permission "a.delete"`},
		{"program role names a global permission", reg, nil, map[string][]Permission{"owner": {"g.run"}}, `program role "owner" maps to global permission "g.run"`},
		{"malformed permission name", map[Permission]bool{"view": false}, nil, nil, `permission "view" is not of the form`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDefinitions(tt.reg, tt.global, tt.program)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRoleLists(t *testing.T) {
	for _, r := range GlobalRoles() {
		if !IsGlobalRole(r) {
			t.Errorf("%s listed but unknown", r)
		}
	}
	for _, r := range ProgramRoleNames() {
		if !IsProgramRole(r) || IsGlobalRole(r) {
			t.Errorf("%s: program role check wrong", r)
		}
	}
	if got := ProgramRolePermissions(RoleReviewer); !slices.Equal(got, []Permission{ParticipantsView}) {
		t.Errorf("reviewer = %v", got)
	}
	if got := RolePermissions(RoleMember); len(got) != 0 {
		t.Errorf("member = %v", got)
	}
	if !IsGlobal(AuditView) || IsGlobal(ParticipantsView) {
		t.Error("IsGlobal wrong")
	}
}

// BenchmarkCan measures a check for a typical staff member with a program
// role and a few overrides: it runs on every protected request.
func BenchmarkCan(b *testing.B) {
	s := Subject{
		PersonID:     1,
		GlobalRole:   RoleStaff,
		ProgramRoles: map[int64]string{progX: RoleOwner, progY: RoleReviewer, 30: RoleCoordinator},
		Overrides: []Override{
			{ProgramID: progY, Permission: ParticipantsExport, Grant: true},
			{ProgramID: AllPrograms, Permission: PairsManage},
			{ProgramID: progX, Permission: AuditView, Grant: true},
		},
	}
	checks := []struct {
		p    Permission
		prog int64
	}{{ProgramManage, progX}, {ParticipantsExport, progY}, {PairsManage, 30}, {JobsManage, progX}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := checks[i%len(checks)]
		Can(s, c.p, c.prog)
		i++
	}
}
