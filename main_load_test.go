package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// `cohort load -h` lists every flag load takes, the scenario ones too.
func TestLoadHelpListsEveryFlag(t *testing.T) {
	code, stdout, stderr := runCmd(t, "load", "-h")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, flag := range []string{"-url", "-c", "-d", "-n", "-method", "-H", "-form", "-warmup", "-expect",
		"-scenario", "-users", "-program"} {
		if !strings.Contains(stderr, "\n  "+flag+" ") && !strings.Contains(stderr, "\n  "+flag+"\n") {
			t.Errorf("load -h does not list %s:\n%s", flag, stderr)
		}
	}
	for _, name := range []string{"save-step", "save-step-name"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("load -h does not name the scenario %s", name)
		}
	}
}

// README names the Go version go.mod needs, in full: a newcomer with an
// older patch release is told, not surprised by a toolchain download.
func TestReadmeGoVersionMatchesGoMod(t *testing.T) {
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range regexp.MustCompile(`\bGo (\d+\.\d+(?:\.\d+)?)`).FindAllSubmatch(readme, -1) {
		if string(v[1]) != string(m[1]) {
			t.Errorf("README says Go %s; go.mod needs %s", v[1], m[1])
		}
	}
	if !strings.Contains(string(readme), "Go "+string(m[1])) {
		t.Errorf("README does not name Go %s", m[1])
	}
}
