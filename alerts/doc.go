// Package alerts will tell unit heads when dossiers of their unit approach or
// pass their deadline.
package alerts
