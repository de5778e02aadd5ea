// Package access says who a reader of motcua is and what they may see: a
// leader sees every unit, the head of a unit sees that unit and its
// subtree. The server puts the logged-in user in each request's context;
// pages, lists, exports and the API ask it before they answer.
package access

import (
	"context"
	"slices"

	"github.com/motcua/motcua"
)

// Role is what a user may see.
type Role string

// The roles of the users file.
const (
	Leader Role = "leader" // every unit
	Head   Role = "head"   // the unit and its subtree
)

// User is a reader who logged in.
type User struct {
	Login string
	Role  Role
	Unit  string // the head's unit; empty for a leader
}

// Sees reports whether u may see the figures and dossiers of unit.
func (u User) Sees(cat *motcua.Catalog, unit string) bool {
	switch u.Role {
	case Leader:
		return true
	case Head:
		return u.Unit != "" && slices.Contains(cat.Subtree(u.Unit), unit)
	}
	return false
}

// Scope is the unit whose subtree u sees, or "" when u sees every unit.
func (u User) Scope() string {
	if u.Role == Leader {
		return ""
	}
	return u.Unit
}

type userKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user that ctx carries.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}
