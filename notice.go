package motcua

import "time"

// Stage is how far the alerts have told of a dossier.
type Stage string

// The stages of the notification log.
const (
	StageApproaching Stage = "approaching" // announced as approaching its due time
	StageOverdue     Stage = "overdue"     // announced as overdue
	StageRepeat      Stage = "repeat"      // named again in a working day's first digest while overdue
	StageEscalated   Stage = "escalated"   // sent on to leadership
	StageDone        Stage = "done"        // closed, and its message updated to say so
)

// Notice is one row of the notification log: a dossier named in a message
// that went out.
type Notice struct {
	DossierID string
	Stage     Stage
	Unit      string // the unit handling it then
	Recipient string // a Slack member id or channel
	Channel   string // where the message lives, with TS
	TS        string
	Day       time.Time // the working day it went out on (midnight)
	SentAt    time.Time
}
