package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua"
)

// ErrForbidden marks a question about units that the user may not see.
// Callers answer 403.
var ErrForbidden = errors.New("forbidden")

// Users are the readers who may log in, read from a users file: a CSV with
// the header login,role,unit,password_bcrypt; lines starting with # are
// comments. A nil *Users holds nobody.
type Users struct {
	name    string
	byLogin map[string]entry
	dummy   []byte // compared against for an unknown login, so both take as long
}

type entry struct {
	User
	hash  []byte
	stamp string
	line  int
}

// MaxLoginLen is the length of the longest login.
const MaxLoginLen = 64

// LoadUsers reads the users file at path.
func LoadUsers(path string) (*Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read users file: %w", err)
	}
	defer f.Close()
	return ParseUsers(f, path)
}

// ParseUsers reads a users file from r; name names it in errors. An error
// names the file, the line and the field, and never shows a hash.
func ParseUsers(r io.Reader, name string) (*Users, error) {
	fail := func(line int, format string, args ...any) error {
		if line > 0 {
			format = "line %d: " + format
			args = append([]any{line}, args...)
		}
		return fmt.Errorf("cannot read users file %q: "+format, append([]any{name}, args...)...)
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fail(0, "it is empty: want the header login,role,unit,password_bcrypt and a line per user")
	}
	if err != nil {
		return nil, fail(0, "%w", err)
	}
	headLine, _ := cr.FieldPos(0)
	cols := map[string]int{}
	for i, h := range head {
		cols[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, w := range []string{"login", "role", "unit", "password_bcrypt"} {
		if _, ok := cols[w]; !ok {
			return nil, fail(headLine, "column %q is missing from the header: want login,role,unit,password_bcrypt", w)
		}
	}
	us := &Users{name: name, byLogin: map[string]entry{}}
	maxCost := bcrypt.DefaultCost
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail(0, "%w", err)
		}
		line, _ := cr.FieldPos(0)
		field := func(col string) string {
			if i := cols[col]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		login, role, unit, hash := field("login"), Role(field("role")), field("unit"), field("password_bcrypt")
		if err := checkLogin(login); err != nil {
			return nil, fail(line, "login %q: %v", login, err)
		}
		if prev, dup := us.byLogin[login]; dup {
			return nil, fail(line, "login %q: already on line %d", login, prev.line)
		}
		switch role {
		case Leader:
			if unit != "" {
				return nil, fail(line, "unit %q: a leader sees every unit; leave unit empty", unit)
			}
		case Head:
			if unit == "" {
				return nil, fail(line, "unit: a head needs the code of their unit")
			}
		default:
			return nil, fail(line, "role %q: want leader or head", role)
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fail(line, "password_bcrypt of %q: not a bcrypt hash; make one with motcua hash-password", login)
		}
		if first || cost > maxCost {
			maxCost = cost
		}
		sum := sha256.Sum256([]byte(string(role) + "\x00" + unit + "\x00" + hash))
		us.byLogin[login] = entry{User: User{Login: login, Role: role, Unit: unit}, hash: []byte(hash),
			stamp: hex.EncodeToString(sum[:16]), line: line}
	}
	if len(us.byLogin) == 0 {
		return nil, fail(0, "no users: add a line per user under the header")
	}
	// The dummy hash costs what the users' hashes cost, so that an unknown
	// login takes as long to refuse as a wrong password.
	us.dummy, err = bcrypt.GenerateFromPassword([]byte(rand.Text()), maxCost)
	if err != nil {
		return nil, fail(0, "cannot make the comparison hash: %w", err)
	}
	return us, nil
}

// checkLogin accepts letters, digits, '.', '_', '-' and '@': a login goes
// into a cookie and an HTTP Basic header, where ':' or a space would not.
func checkLogin(login string) error {
	if login == "" {
		return errors.New("is empty")
	}
	if len(login) > MaxLoginLen {
		return fmt.Errorf("longer than %d characters", MaxLoginLen)
	}
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return errors.New("want letters a-z, digits and '.', '_', '-' or '@'")
		}
	}
	return nil
}

// Name returns the name of the file the users were read from.
func (us *Users) Name() string { return us.name }

// Len returns the number of users.
func (us *Users) Len() int {
	if us == nil {
		return 0
	}
	return len(us.byLogin)
}

// CheckUnits checks that the unit of every head is in cat, and names the
// first that is not.
func (us *Users) CheckUnits(cat *motcua.Catalog) error {
	if us == nil {
		return nil
	}
	var bad *entry
	for _, e := range us.byLogin {
		if e.Role == Head && !cat.HasUnit(e.Unit) && (bad == nil || e.line < bad.line) {
			bad = &e
		}
	}
	if bad != nil {
		return fmt.Errorf("cannot use users file %q: line %d: unit %q of head %q is not in the catalogue", us.name, bad.line, bad.Unit, bad.Login)
	}
	return nil
}

// Check returns the user whose login and password these are. It takes as
// long for an unknown login as for a wrong password, so that the time of the
// answer does not tell which logins exist.
func (us *Users) Check(login, password string) (User, bool) {
	if us == nil {
		return User{}, false
	}
	e, ok := us.byLogin[login]
	hash := e.hash
	if !ok {
		hash = us.dummy
	}
	// bcrypt reads 72 bytes at most: a longer password is refused, never
	// cut, after the same work.
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if !ok || err != nil || len(password) > 72 {
		return User{}, false
	}
	return e.User, true
}

// Lookup returns the user with the login.
func (us *Users) Lookup(login string) (User, bool) {
	if us == nil {
		return User{}, false
	}
	e, ok := us.byLogin[login]
	return e.User, ok
}

// Stamp returns a value that changes whenever the login's password, role or
// unit changes: a session signed with it ends when any of them does.
func (us *Users) Stamp(login string) (string, bool) {
	if us == nil {
		return "", false
	}
	e, ok := us.byLogin[login]
	return e.stamp, ok
}

// Narrow returns the unit whose subtree a question of u about unit covers:
// unit itself when u sees it; for an empty unit, "" (every unit) for a
// leader and the head's own unit for a head. A unit that u does not see is
// an error that wraps ErrForbidden and names it.
func (u User) Narrow(cat *motcua.Catalog, unit string) (string, error) {
	if unit == "" {
		switch u.Role {
		case Leader:
			return "", nil
		case Head:
			if u.Unit != "" {
				return u.Unit, nil
			}
		}
		return "", fmt.Errorf("%w: %q may not see every unit", ErrForbidden, u.Login)
	}
	if u.Role == Leader {
		return unit, nil // an unknown unit is for the catalogue to refuse
	}
	if !u.Sees(cat, unit) {
		return "", fmt.Errorf("%w: unit %q is outside what %q may see (unit %q and the units under it)", ErrForbidden, unit, u.Login, u.Unit)
	}
	return unit, nil
}
