package motcua

// ProgressPoints are the points of the progress group of the index of
// Decision 766/QĐ-TTg (of 100 in all).
const ProgressPoints = 20

// Progress is a unit's progress indicator (Decision 766/QĐ-TTg): dossiers
// resolved early or on time, plus those still in progress within their due
// date at the end of the period, over the dossiers handled in the period.
// It scores its full points when the ratio reaches 100%, else in
// proportion. Rating bands it by the provinces' bands (DESIGN.md) applied
// to the ratio, since the other groups of the index are not computed from
// events.
type Progress struct {
	Share  Share   `json:"share"`
	Points float64 `json:"points"`
	Rating string  `json:"rating"`
}

// Progress returns the progress indicator of c.
func (c Counts) Progress(digits int) Progress {
	num := c.Early + c.OnTime + (c.OpenAtEnd - c.OverdueAtEnd)
	s := ShareOf(num, c.Handled, "handled", digits)
	p := Progress{Share: s, Points: ShareOf(num*ProgressPoints, c.Handled*100, "", 2).Value}
	if c.Handled > 0 {
		p.Rating = Band(s.Value)
	}
	return p
}

// Band names the rating band of a score out of 100: Xuất sắc from 90, Tốt from
// 80, Khá from 70, Trung bình from 50, Yếu below.
func Band(score float64) string {
	switch {
	case score >= 90:
		return "Xuất sắc"
	case score >= 80:
		return "Tốt"
	case score >= 70:
		return "Khá"
	case score >= 50:
		return "Trung bình"
	}
	return "Yếu"
}
