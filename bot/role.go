package bot

import (
	"fmt"
	"strings"
)

// Role is a level of trust; each role may do what the roles below it may.
type Role int

// Roles from least to most trusted.
const (
	RoleNone Role = iota
	RoleViewer
	RoleResponder
	RoleOperator
	RoleApprover
	RoleAdmin
)

var roleNames = [...]string{"none", "viewer", "responder", "operator", "approver", "admin"}

func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// Roles lists the assignable roles, least trusted first.
func Roles() []Role { return []Role{RoleViewer, RoleResponder, RoleOperator, RoleApprover, RoleAdmin} }

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i > 0 && strings.EqualFold(s, n) {
			return Role(i), nil
		}
	}
	return RoleNone, fmt.Errorf("unknown role %q: use one of viewer, responder, operator, approver, admin", s)
}
