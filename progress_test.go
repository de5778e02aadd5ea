package motcua

import "testing"

func TestProgress(t *testing.T) {
	f := func(c Counts, share, points float64, rating string) {
		t.Helper()
		p := c.Progress(1)
		if p.Share.Value != share || p.Points != points || p.Rating != rating {
			t.Fatalf("%+v: got %+v, want %v%% %v points %q", c, p, share, points, rating)
		}
	}
	// The seed's town in 2022: 2,329 handled, 1,049 early, 1,210 on time, 34 open at the end none overdue.
	f(Counts{Handled: 2329, Early: 1049, OnTime: 1210, Late: 36, OpenAtEnd: 34}, 98.5, 19.69, "Xuất sắc")
	f(Counts{Handled: 10, Early: 5, OnTime: 2, OpenAtEnd: 3, OverdueAtEnd: 2}, 80, 16, "Tốt")
	f(Counts{Handled: 4, Late: 4}, 0, 0, "Yếu")
	f(Counts{}, 0, 0, "")
	for _, c := range []struct {
		score float64
		want  string
	}{{90, "Xuất sắc"}, {89.9, "Tốt"}, {80, "Tốt"}, {70, "Khá"}, {69.99, "Trung bình"}, {50, "Trung bình"}, {49.9, "Yếu"}} {
		if got := Band(c.score); got != c.want {
			t.Errorf("Band(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}
