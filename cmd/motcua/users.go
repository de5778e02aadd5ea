package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
)

// hashPassword runs `motcua hash-password`: it reads one password, a line
// of stdin (from a terminal, without echo), and prints its bcrypt hash for
// the password_bcrypt column of the users file.
func hashPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: motcua hash-password < password.txt   (reads one line; from a terminal, asks for it)")
		return errUsage
	}
	var pw []byte
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Mật khẩu (password): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return fmt.Errorf("cannot read the password: %w", err)
		}
		pw = b
	} else {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("cannot read the password: %w", err)
		}
		pw = []byte(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
	}
	if len(pw) == 0 {
		return errors.New("cannot hash an empty password: write it on the first line of stdin")
	}
	if len(pw) > 72 {
		return fmt.Errorf("cannot hash a password of %d bytes: bcrypt takes 72 at most", len(pw))
	}
	h, err := bcrypt.GenerateFromPassword(pw, bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("cannot hash the password: %w", err)
	}
	fmt.Fprintln(stdout, string(h))
	return nil
}

// demoUser is a user that the demo makes, with the password it printed.
type demoUser struct {
	access.User
	Password string
	About    string
}

// makeDemoUsers writes the demo's users file under dir (0600) and returns
// its path and the users: a leader, the head of the town's one-stop shop
// and the head of a commune, each with a new random password.
func makeDemoUsers(dir string, cat *motcua.Catalog) (string, []demoUser, error) {
	users := []demoUser{{User: access.User{Login: "lanhdao", Role: access.Leader}, About: "lãnh đạo: every unit"}}
	for _, h := range []struct{ login, unit string }{{"truongbp.motcua", "TX.MC"}, {"chutich.longhuu", "LH"}} {
		if u, ok := cat.Unit(h.unit); ok {
			users = append(users, demoUser{User: access.User{Login: h.login, Role: access.Head, Unit: h.unit},
				About: fmt.Sprintf("head of %s (%s) and the units under it", h.unit, u.Name)})
		}
	}
	var b strings.Builder
	b.WriteString("# Users of the demo, written by motcua demo with new passwords at every start.\n")
	b.WriteString("login,role,unit,password_bcrypt\n")
	for i := range users {
		users[i].Password = strings.ToLower(rand.Text()[:12])
		h, err := bcrypt.GenerateFromPassword([]byte(users[i].Password), bcrypt.DefaultCost)
		if err != nil {
			return "", nil, fmt.Errorf("cannot hash a demo password: %w", err)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", users[i].Login, users[i].Role, users[i].Unit, h)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("cannot write the demo users: %w", err)
	}
	path := filepath.Join(dir, "users.csv")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", nil, fmt.Errorf("cannot write the demo users: %w", err)
	}
	_, err = io.WriteString(f, b.String())
	if err == nil {
		err = f.Chmod(0o600) // a file left by an older start keeps no wider mode
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", nil, fmt.Errorf("cannot write the demo users to %q: %w", path, err)
	}
	return path, users, nil
}
