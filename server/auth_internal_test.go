package server

import (
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	l := newLimiter()
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := range FailuresPerLogin {
		if d := l.wait("lan", "10.0.0.1", t0); d != 0 {
			t.Fatalf("before failure %d: wait %v", i+1, d)
		}
		l.fail("lan", "10.0.0.1", t0.Add(time.Duration(i)*time.Minute))
	}
	// The first failure leaves the window 15 minutes after it.
	now := t0.Add(5 * time.Minute)
	if d := l.wait("lan", "10.0.0.2", now); d != 10*time.Minute {
		t.Errorf("after %d failures: wait %v, want 10m", FailuresPerLogin, d)
	}
	if d := l.wait("lan", "10.0.0.2", t0.Add(LoginWindow)); d != 0 {
		t.Errorf("once the first failure left the window: wait %v", d)
	}
	if d := l.wait("other", "10.0.0.1", now); d != 0 {
		t.Errorf("another login from the same address: wait %v", d)
	}
	l.succeed("lan")
	if d := l.wait("lan", "10.0.0.2", now); d != 0 {
		t.Errorf("after a success: wait %v", d)
	}
	for i := range FailuresPerAddr {
		l.fail("guess"+string(rune('a'+i)), "10.0.0.3", now)
	}
	if d := l.wait("anyone", "10.0.0.3", now); d != LoginWindow {
		t.Errorf("after %d failures from one address: wait %v", FailuresPerAddr, d)
	}
	// Failures past the window are swept when the map grows.
	for i := range 2000 {
		l.fail("x"+time.Duration(i).String(), "10.0.0.4", now)
	}
	later := now.Add(2 * LoginWindow)
	for i := range 3000 {
		l.fail("y"+time.Duration(i).String(), "10.0.0.5", later)
	}
	if len(l.fails) > 3100 {
		t.Errorf("%d keys kept, want the 3,001 of the last window", len(l.fails))
	}
}

func TestVerified(t *testing.T) {
	v := newVerified()
	now := time.Now()
	v.add("lan", "pw", "stamp1", now)
	for _, tc := range []struct {
		login, password, stamp string
		at                     time.Duration
		want                   bool
	}{
		{"lan", "pw", "stamp1", time.Minute, true},
		{"lan", "pw2", "stamp1", time.Minute, false},
		{"lan", "pw", "stamp2", time.Minute, false}, // a new password, role or unit
		{"lan", "pw", "stamp1", verifiedTTL, false},
		{"lan2", "pw", "stamp1", time.Minute, false},
	} {
		if got := v.has(tc.login, tc.password, tc.stamp, now.Add(tc.at)); got != tc.want {
			t.Errorf("%+v: %v", tc, got)
		}
	}
}
