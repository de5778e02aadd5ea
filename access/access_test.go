package access

import (
	"context"
	"testing"

	"github.com/motcua/motcua/catalog"
)

func TestSees(t *testing.T) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	root := cat.Units[0].Code
	var child string
	for _, u := range cat.Units {
		if u.Parent == root {
			child = u.Code
			break
		}
	}
	if child == "" {
		t.Fatal("the shipped catalogue has no unit under its root")
	}
	f := func(u User, unit string, want bool) {
		t.Helper()
		if got := u.Sees(cat, unit); got != want {
			t.Fatalf("%+v sees %q: got %v, want %v", u, unit, got, want)
		}
	}
	f(User{Login: "l", Role: Leader}, child, true)
	f(User{Login: "h", Role: Head, Unit: root}, child, true)
	f(User{Login: "h", Role: Head, Unit: child}, child, true)
	f(User{Login: "h", Role: Head, Unit: child}, root, false)
	f(User{Login: "h", Role: Head}, child, false)
	f(User{Login: "x", Role: "guest", Unit: root}, root, false)

	ctx := WithUser(context.Background(), User{Login: "h", Role: Head, Unit: child})
	if u, ok := UserFrom(ctx); !ok || u.Scope() != child {
		t.Fatalf("UserFrom: %+v %v", u, ok)
	}
	if _, ok := UserFrom(context.Background()); ok {
		t.Fatal("a bare context carries a user")
	}
}
