// Package exporttest gives tests LibreOffice, to check that the files motcua
// writes open and convert as they would on a user's desk.
package exporttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// LibreOffice returns the path of LibreOffice. The test fails in CI, and is
// skipped elsewhere, when there is none.
func LibreOffice(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no LibreOffice for the test: neither libreoffice nor soffice is on PATH")
	}
	t.Skip("skipping: no LibreOffice (libreoffice or soffice) on PATH; apt-get install libreoffice-calc-nogui")
	return ""
}

// Convert converts the file in to the format to, as libreoffice
// --convert-to takes it, into a new folder whose path it returns. Each call
// has its own profile and HOME, so that conversions do not clash; a
// conversion that writes nothing fails the test (LibreOffice exits 0 then).
func Convert(t testing.TB, lo, in, to string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args = append([]string{"-env:UserInstallation=file://" + filepath.ToSlash(filepath.Join(dir, "profile")),
		"--headless", "--norestore"}, args...)
	args = append(args, "--convert-to", to, "--outdir", out, in)
	cmd := exec.CommandContext(ctx, lo, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice --convert-to %s %s: %v\n%s", to, filepath.Base(in), err, b)
	}
	if files, _ := os.ReadDir(out); len(files) == 0 {
		t.Fatalf("libreoffice --convert-to %s %s wrote nothing:\n%s", to, filepath.Base(in), b)
	}
	return out
}
