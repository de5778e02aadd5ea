package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenFile: SOURCE:TOKEN lines with comments and blank lines are read;
// a bad line is named by number, and no error shows a token.
func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens")
	os.WriteFile(good, []byte("# one-stop software\none-stop:secret-token-1\n\n  portal:secret-token-2  \n"), 0o600)
	tokens := tokenFlags{}
	if err := tokens.readFile(good); err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens["secret-token-1"] != "one-stop" || tokens["secret-token-2"] != "portal" {
		t.Errorf("read %d tokens: %v", len(tokens), tokens)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("# comment\nsecret-token-without-source\n"), 0o600)
	err := tokenFlags{}.readFile(bad)
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad line: %v, want line 2 named and no token shown", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("src:tiny12\n"), 0o600)
	if err := (tokenFlags{}).readFile(short); err == nil || strings.Contains(err.Error(), "tiny12") {
		t.Errorf("short token: %v", err)
	}
}
