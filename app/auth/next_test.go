package auth

import "testing"

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/programs/demo-mentoring", "/programs/demo-mentoring"},
		{"/programs/x?tab=1", "/programs/x?tab=1"},
		{"", ""},
		{"programs/x", ""},
		{"https://evil.example/", ""},
		{"//evil.example/x", ""},
		{"/\\evil.example", ""},
		{"/x\r\nLocation: //evil", ""},
		{"/x\x00", ""},
		{"javascript:alert(1)", ""},
		{"/signin", ""},
		{"/signin/code", ""},
		{"/auth/oidc/login", ""},
		{"/signinx", "/signinx"},
		{"/" + string(make([]byte, 600)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SafeNext(tt.in); got != tt.want {
				t.Fatalf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
