package features

import "testing"

func TestFor(t *testing.T) {
	tests := []struct {
		name   string
		stored map[string]bool
		flag   string
		want   bool
	}{
		{"opt-in off by default", nil, Pairing, false},
		{"opt-in switched on", map[string]bool{Pairing: true}, Pairing, true},
		{"opt-in switched off", map[string]bool{Uploads: false}, Uploads, false},
		{"always on cannot be switched off", map[string]bool{Autosave: false}, Autosave, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := For(tt.stored).On(tt.flag); got != tt.want {
				t.Fatalf("On(%s) = %v, want %v", tt.flag, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := Validate([]string{Pairing, Renewal}); err != nil {
		t.Fatal(err)
	}
	err := Validate([]string{Pairing, "pairng"})
	if err == nil || err.Error() != "unknown feature flag pairng (known: autosave, pairing, uploads, renewal, self_registration)" {
		t.Fatalf("Validate = %v", err)
	}
}

func TestUnknownFlagPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("reading an unknown flag did not panic")
		}
	}()
	For(nil).On("nope")
}
