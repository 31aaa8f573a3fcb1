package access_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"cohort/app"
	"cohort/app/access"
	"cohort/app/apptest"
	"cohort/app/authz"
	"cohort/app/demo"
	"cohort/app/web"
	"cohort/db"
	"cohort/db/dbtest"
	"cohort/static"
	"cohort/views"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testServer is a bare web server with routes that exercise the access
// layer: a sign-in that takes any method (so email sign-ins can be tested
// without mail), a "may I" probe, and guarded pages.
func testServer(t *testing.T, store *db.Store) *web.Server {
	t.Helper()
	s, err := web.New(apptest.Config(t, nil), store, apptest.Logger(), web.Options{Views: views.FS, Static: static.FS})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Router()
	r.Get("/", func(c *fiber.Ctx) error { return s.Render(c, "pages/home", "", fiber.Map{}) })
	r.Post("/test/login", func(c *fiber.Ctx) error {
		p, err := store.PersonByEmail(c.UserContext(), c.FormValue("email"))
		if err != nil {
			return err
		}
		if err := s.SignIn(c, p, c.FormValue("method"), nil); err != nil {
			return err
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	r.Post("/test/mfa", func(c *fiber.Ctx) error {
		if err := s.MarkMFAVerified(c); err != nil {
			return err
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	r.Get("/test/can", func(c *fiber.Ctx) error {
		prog, _ := strconv.ParseInt(c.Query("program"), 10, 64)
		ok, err := access.Can(c, s, authz.Permission(c.Query("perm")), prog)
		if err != nil {
			return err
		}
		// Ask twice: the second answer comes from the per-request cache.
		again, err := access.Can(c, s, authz.Permission(c.Query("perm")), prog)
		if err != nil || again != ok {
			return fiber.ErrInternalServerError
		}
		return c.SendString(strconv.FormatBool(ok))
	})
	r.Get("/test/jobs", access.Require(s, authz.JobsManage), func(c *fiber.Ctx) error { return c.SendString("jobs") })
	r.Get("/test/admin", access.RequireAdmin(s, authz.PeopleManage), func(c *fiber.Ctx) error { return c.SendString("admin") })
	s.NotFound()
	return s
}

func signIn(t *testing.T, s *web.Server, email, method string) *apptest.Client {
	t.Helper()
	c := apptest.NewClient(t, s)
	c.Get("/")
	if res := c.PostForm("/test/login", url.Values{"email": {email}, "method": {method}}); res.StatusCode != 303 {
		t.Fatalf("sign-in %s: %d %s", email, res.StatusCode, res.Body)
	}
	c.Get("/")
	return c
}

func seed(t *testing.T, store *db.Store) (programID int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.Options{Participants: 5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := store.ProgramBySlug(ctx, demo.ProgramSlug)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func person(t *testing.T, store *db.Store, email string) *db.Person {
	t.Helper()
	p, err := store.PersonByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGrantsAndRevokes changes a member's roles and overrides in the
// database, step by step, and checks what the access layer answers after
// each step, as a fresh request would see it.
func TestGrantsAndRevokes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		prog := seed(t, store)
		other := &db.Program{Slug: "other", Name: "Other", Kind: db.KindMembership}
		if err := store.CreateProgram(ctx, other); err != nil {
			t.Fatal(err)
		}
		s := testServer(t, store)
		mel := person(t, store, demo.MemberEmail)
		c := signIn(t, s, demo.MemberEmail, web.MethodDev)
		can := func(perm authz.Permission, program int64) bool {
			t.Helper()
			res := c.Get("/test/can?perm=" + string(perm) + "&program=" + strconv.FormatInt(program, 10))
			if res.StatusCode != 200 {
				t.Fatalf("probe: %d %s", res.StatusCode, res.Body)
			}
			return res.Body == "true"
		}
		type check struct {
			perm    authz.Permission
			program int64
			want    bool
		}
		steps := []struct {
			name   string
			change func() error
			checks []check
		}{
			{"member holds nothing", func() error { return nil }, []check{
				{authz.ParticipantsView, prog, false}, {authz.JobsManage, 0, false},
			}},
			{"reviewer in the demo program", func() error { return store.SetProgramRole(ctx, mel.ID, prog, authz.RoleReviewer, 0) }, []check{
				{authz.ParticipantsView, prog, true}, {authz.ParticipantsEdit, prog, false}, {authz.ParticipantsView, other.ID, false},
			}},
			{"grant export in the demo program", func() error {
				return store.SetPermissionOverride(ctx, mel.ID, prog, string(authz.ParticipantsExport), true, 0)
			}, []check{
				{authz.ParticipantsExport, prog, true}, {authz.ParticipantsExport, other.ID, false},
			}},
			{"revoke view in all programs beats the role", func() error {
				return store.SetPermissionOverride(ctx, mel.ID, 0, string(authz.ParticipantsView), false, 0)
			}, []check{
				{authz.ParticipantsView, prog, false}, {authz.ParticipantsExport, prog, true},
			}},
			{"global grant", func() error {
				return store.SetPermissionOverride(ctx, mel.ID, 0, string(authz.JobsManage), true, 0)
			}, []check{
				{authz.JobsManage, 0, true}, {authz.JobsManage, prog, true},
			}},
			{"staff by grant: everything but program.manage, revoke still wins", func() error {
				_, err := store.SetGrantedRole(ctx, mel.ID, db.RoleStaff, 0)
				return err
			}, []check{
				{authz.PairsManage, other.ID, true}, {authz.ProgramManage, other.ID, false}, {authz.ParticipantsView, other.ID, false},
			}},
			{"removing the revoke restores view", func() error {
				rows, err := store.PermissionOverrides(ctx, mel.ID)
				if err != nil {
					return err
				}
				for _, o := range rows {
					if o.Permission == string(authz.ParticipantsView) {
						return store.DeletePermissionOverride(ctx, mel.ID, o.ID)
					}
				}
				return nil
			}, []check{
				{authz.ParticipantsView, prog, true}, {authz.ParticipantsView, other.ID, true},
			}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if err := st.change(); err != nil {
					t.Fatal(err)
				}
				for _, ch := range st.checks {
					if got := can(ch.perm, ch.program); got != ch.want {
						t.Errorf("Can(%s, %d) = %v, want %v", ch.perm, ch.program, got, ch.want)
					}
				}
			})
		}
		anon := apptest.NewClient(t, s)
		if res := anon.Get("/test/can?perm=participants.view&program=" + strconv.FormatInt(prog, 10)); res.Body != "false" {
			t.Errorf("anonymous may = %s", res.Body)
		}
	})
}

func TestGuards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		seed(t, store)
		s := testServer(t, store)
		tests := []struct {
			name      string
			email     string // "" = anonymous
			method    string
			mfa       bool
			path      string
			want      int
			wantBody  string
			wantLocal string
		}{
			{"anonymous, permission", "", "", false, "/test/jobs", 401, "Please sign in", ""},
			{"member, permission", demo.MemberEmail, web.MethodDev, false, "/test/jobs", 403, "Not allowed", ""},
			{"staff, permission", demo.StaffEmail, web.MethodDev, false, "/test/jobs", 403, "", ""},
			{"admin, permission", demo.AdminEmail, web.MethodDev, false, "/test/jobs", 200, "jobs", ""},
			{"anonymous, admin", "", "", false, "/test/admin", 401, "Please sign in", ""},
			{"member, admin", demo.MemberEmail, web.MethodDev, false, "/test/admin", 403, "", ""},
			{"staff, admin", demo.StaffEmail, web.MethodDev, false, "/test/admin", 403, "", ""},
			{"admin by dev sign-in", demo.AdminEmail, web.MethodDev, false, "/test/admin", 200, "admin", ""},
			{"admin by SSO", demo.AdminEmail, web.MethodOIDC, false, "/test/admin", 200, "admin", ""},
			{"admin by email code without MFA", demo.AdminEmail, web.MethodEmail, false, "/test/admin", 303, "", access.MFAPath},
			{"admin by email code with MFA", demo.AdminEmail, web.MethodEmail, true, "/test/admin", 200, "admin", ""},
			{"staff by email code: forbidden, not sent to MFA", demo.StaffEmail, web.MethodEmail, false, "/test/admin", 403, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := apptest.NewClient(t, s)
				if tt.email != "" {
					c = signIn(t, s, tt.email, tt.method)
				}
				if tt.mfa {
					if res := c.PostForm("/test/mfa", nil); res.StatusCode != 303 {
						t.Fatalf("mfa: %d", res.StatusCode)
					}
				}
				res := c.Get(tt.path)
				if res.StatusCode != tt.want {
					t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.want, res.Body)
				}
				if !strings.Contains(res.Body, tt.wantBody) {
					t.Errorf("body lacks %q: %s", tt.wantBody, res.Body)
				}
				if loc := res.Header.Get("Location"); loc != tt.wantLocal {
					t.Errorf("Location = %q, want %q", loc, tt.wantLocal)
				}
			})
		}
		// The admin guard decides through authz.Can, so overrides apply to it.
		t.Run("grant opens and revoke closes the admin pages", func(t *testing.T) {
			ctx := context.Background()
			member, admin := person(t, store, demo.MemberEmail), person(t, store, demo.AdminEmail)
			if err := store.SetPermissionOverride(ctx, member.ID, 0, string(authz.PeopleManage), true, admin.ID); err != nil {
				t.Fatal(err)
			}
			if res := signIn(t, s, demo.MemberEmail, web.MethodDev).Get("/test/admin"); res.StatusCode != 200 {
				t.Fatalf("member granted people.manage = %d, want 200", res.StatusCode)
			}
			if err := store.SetPermissionOverride(ctx, admin.ID, 0, string(authz.PeopleManage), false, admin.ID); err != nil {
				t.Fatal(err)
			}
			if res := signIn(t, s, demo.AdminEmail, web.MethodDev).Get("/test/admin"); res.StatusCode != 403 {
				t.Fatalf("admin with people.manage revoked = %d, want 403", res.StatusCode)
			}
			for _, id := range []int64{member.ID, admin.ID} {
				ovs, _ := store.PermissionOverrides(ctx, id)
				for _, o := range ovs {
					if err := store.DeletePermissionOverride(ctx, id, o.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
		t.Run("htmx request without MFA gets HX-Redirect", func(t *testing.T) {
			c := signIn(t, s, demo.AdminEmail, web.MethodEmail)
			c.Header.Set("HX-Request", "true")
			res := c.Get("/test/admin")
			if res.StatusCode != 204 || res.Header.Get("HX-Redirect") != access.MFAPath {
				t.Fatalf("status %d HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
			}
		})
	})
}

func TestRequireRefusesUnknownPermission(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"jobs.manages"`) {
			t.Fatalf("panic = %v", r)
		}
	}()
	access.Require(nil, "jobs.manages")
}

// TestStartupRefusesUnknownPermission: an override naming a permission the
// code does not know stops app.New with a message naming it.
func TestStartupRefusesUnknownPermission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		seed(t, store)
		if err := access.Validate(ctx, store); err != nil {
			t.Fatalf("clean database refused: %v", err)
		}
		mel := person(t, store, demo.MemberEmail)
		_, err := store.DB().ExecContext(ctx,
			"INSERT INTO permission_overrides (person_id, program_id, permission, effect, created_at) VALUES (?, 0, ?, 'grant', ?)",
			mel.ID, "participants.delete", store.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.New(apptest.Config(t, nil), store, apptest.Logger())
		if err == nil {
			t.Fatal("app.New started with an unknown permission in the database")
		}
		for _, want := range []string{`"participants.delete"`, "permission_overrides"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
		// And a request for that person fails closed rather than guessing.
		if _, err := access.Load(ctx, store, mel); err == nil || !strings.Contains(err.Error(), "participants.delete") {
			t.Errorf("Load = %v", err)
		}
	})
}
