package server

import "testing"

func TestShareRoundsHalfUp(t *testing.T) {
	for _, tc := range []struct {
		num, den uint64
		digits   int
		want     float64
	}{
		{1049, 2295, 1, 45.7},
		{1210, 2295, 2, 52.72},
		{36, 2295, 2, 1.57},
		{1144, 2329, 1, 49.1},
		{1, 16, 1, 6.3}, // 6.25: half up
		{1, 40, 0, 3},   // 2.5: half up
		{1, 3, 4, 33.3333},
		{0, 5, 1, 0},
		{5, 0, 1, 0}, // no base: no share
	} {
		if got := share(tc.num, tc.den, "x", tc.digits).Value; got != tc.want {
			t.Errorf("%d/%d to %d decimals: %v, want %v", tc.num, tc.den, tc.digits, got, tc.want)
		}
	}
}
