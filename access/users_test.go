package access

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua/catalog"
)

func hash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestParseUsersRefusals(t *testing.T) {
	h := hash(t, "pw")
	f := func(text, want string) {
		t.Helper()
		_, err := ParseUsers(strings.NewReader(text), "users.csv")
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", text, err, want)
		}
		if err != nil && strings.Contains(err.Error(), h) {
			t.Errorf("an error shows a hash: %v", err)
		}
	}
	head := "login,role,unit,password_bcrypt\n"
	f("", `cannot read users file "users.csv": it is empty: want the header login,role,unit,password_bcrypt and a line per user`)
	f(head, `cannot read users file "users.csv": no users: add a line per user under the header`)
	f("login,role,password_bcrypt\n", `cannot read users file "users.csv": line 1: column "unit" is missing from the header: want login,role,unit,password_bcrypt`)
	f(head+"lan,leader,,"+h+"\n# a comment\nbob,admin,,"+h+"\n", `cannot read users file "users.csv": line 4: role "admin": want leader or head`)
	f(head+"bob,head,,"+h+"\n", `cannot read users file "users.csv": line 2: unit: a head needs the code of their unit`)
	f(head+"lan,leader,P1,"+h+"\n", `cannot read users file "users.csv": line 2: unit "P1": a leader sees every unit; leave unit empty`)
	f(head+"lan,leader,,"+h+"\nlan,head,P1,"+h+"\n", `cannot read users file "users.csv": line 3: login "lan": already on line 2`)
	f(head+"lan,leader,,plaintext\n", `cannot read users file "users.csv": line 2: password_bcrypt of "lan": not a bcrypt hash; make one with motcua hash-password`)
	f(head+"a b,leader,,"+h+"\n", `cannot read users file "users.csv": line 2: login "a b": want letters a-z, digits and '.', '_', '-' or '@'`)
	f(head+"a:b,leader,,"+h+"\n", `cannot read users file "users.csv": line 2: login "a:b": want letters a-z, digits and '.', '_', '-' or '@'`)
	f(head+",leader,,"+h+"\n", `cannot read users file "users.csv": line 2: login "": is empty`)
	f(head+strings.Repeat("x", 65)+",leader,,"+h+"\n", `cannot read users file "users.csv": line 2: login "`+strings.Repeat("x", 65)+`": longer than 64 characters`)
}

func TestUsersCheck(t *testing.T) {
	text := "\ufefflogin,role,unit,password_bcrypt\n# the town\nlan,leader,,\"" + hash(t, "lan-pw") + "\"\n  hoa , head , LH , " + hash(t, "hoa-pw") + "\n"
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if us.Len() != 2 || us.Name() != path {
		t.Fatalf("read %d users from %q", us.Len(), us.Name())
	}
	f := func(login, password string, want User, wantOK bool) {
		t.Helper()
		if got, ok := us.Check(login, password); got != want || ok != wantOK {
			t.Errorf("Check(%q, %q) = %+v %v, want %+v %v", login, password, got, ok, want, wantOK)
		}
	}
	f("lan", "lan-pw", User{Login: "lan", Role: Leader}, true)
	f("hoa", "hoa-pw", User{Login: "hoa", Role: Head, Unit: "LH"}, true)
	f("hoa", "lan-pw", User{}, false)
	f("HOA", "hoa-pw", User{}, false)
	f("nobody", "lan-pw", User{}, false)
	f("lan", "", User{}, false)
	if s1, ok := us.Stamp("lan"); !ok || s1 == "" {
		t.Errorf("no stamp for lan")
	}
	if _, ok := us.Stamp("nobody"); ok {
		t.Errorf("a stamp for an unknown login")
	}
	if u, ok := us.Lookup("hoa"); !ok || u.Unit != "LH" {
		t.Errorf("Lookup(hoa) = %+v %v", u, ok)
	}

	// The stamp changes with the password.
	us2, err := ParseUsers(strings.NewReader("login,role,unit,password_bcrypt\nlan,leader,,"+hash(t, "new-pw")+"\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := us.Stamp("lan")
	if s2, _ := us2.Stamp("lan"); s1 == s2 {
		t.Errorf("the stamp stays the same across a new password")
	}

	if _, err := LoadUsers(filepath.Join(t.TempDir(), "none.csv")); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Errorf("a missing file: %v", err)
	}
}

// An unknown login costs the same bcrypt work as a known one.
func TestUnknownLoginTakesAsLong(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), 8)
	if err != nil {
		t.Fatal(err)
	}
	us, err := ParseUsers(strings.NewReader("login,role,unit,password_bcrypt\nlan,leader,,"+string(h)+"\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost(us.dummy); c != 8 {
		t.Errorf("the dummy hash costs %d, want 8 like the users'", c)
	}
	best := func(login string) time.Duration {
		d := time.Hour
		for range 5 {
			t0 := time.Now()
			us.Check(login, "wrong")
			d = min(d, time.Since(t0))
		}
		return d
	}
	known, unknown := best("lan"), best("nobody")
	if unknown < known/2 {
		t.Errorf("an unknown login takes %v, a known one %v", unknown, known)
	}
}

func TestCheckUnits(t *testing.T) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	h := hash(t, "pw")
	us, err := ParseUsers(strings.NewReader("login,role,unit,password_bcrypt\nlan,leader,,"+h+"\nhoa,head,LH,"+h+"\nq,head,Q9,"+h+"\n"), "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := `cannot use users file "users.csv": line 4: unit "Q9" of head "q" is not in the catalogue`
	if err := us.CheckUnits(cat); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestNarrow(t *testing.T) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	f := func(u User, unit, want string, forbidden bool) {
		t.Helper()
		got, err := u.Narrow(cat, unit)
		if got != want || errors.Is(err, ErrForbidden) != forbidden {
			t.Errorf("%+v Narrow(%q) = %q %v, want %q forbidden=%v", u, unit, got, err, want, forbidden)
		}
	}
	leader, town, commune := User{Login: "l", Role: Leader}, User{Login: "t", Role: Head, Unit: "TX"}, User{Login: "c", Role: Head, Unit: "LH"}
	f(leader, "", "", false)
	f(leader, "LH", "LH", false)
	f(town, "", "TX", false)
	f(town, "LH", "LH", false)
	f(commune, "", "LH", false)
	f(commune, "P1", "", true)
	f(commune, "TX", "", true)
	f(User{Login: "x", Role: Head}, "", "", true)
	f(User{Login: "x"}, "", "", true)
}
