// Package table turns rows of cells, from a CSV file or an Excel sheet, into
// dossier events. The first row names the columns, in English (the contract's
// field names) or in Vietnamese; see the README's "Files" section.
package table

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// headers maps each accepted column name, folded by fold, to its field.
var headers = map[string]string{}

func init() {
	for field, names := range map[string][]string{
		"event_id":       {"mã sự kiện", "id sự kiện"},
		"dossier_id":     {"mã hồ sơ", "số hồ sơ"},
		"type":           {"loại sự kiện", "sự kiện"},
		"at":             {"thời điểm", "thời gian"},
		"unit":           {"mã đơn vị", "đơn vị"},
		"procedure":      {"mã tthc", "mã thủ tục", "thủ tục"},
		"official":       {"mã công chức", "công chức", "cán bộ"},
		"channel":        {"kênh nộp", "hình thức nộp", "kênh"},
		"due_at":         {"ngày hẹn trả", "hạn trả"},
		"return_channel": {"hình thức trả", "kênh trả"},
		"fee_vnd":        {"phí, lệ phí", "phí, lệ phí (đồng)", "lệ phí", "phí"},
		"paid_online":    {"thanh toán trực tuyến"},
		"digitized":      {"số hóa"},
	} {
		headers[field] = field
		for _, n := range names {
			headers[fold(n)] = field
		}
	}
}

// fold makes a header comparable: NFC, lower case, single spaces, no BOM.
func fold(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.Join(strings.Fields(strings.ToLower(motcua.NFC(s))), " ")
}

var (
	typeNames = aliases(map[string][]string{
		"received": {"tiếp nhận"}, "transferred": {"chuyển xử lý", "chuyển"},
		"supplement_requested": {"yêu cầu bổ sung"}, "supplement_received": {"nhận bổ sung", "đã bổ sung"},
		"resolved": {"giải quyết", "đã giải quyết"}, "returned": {"trả kết quả", "đã trả kết quả"},
		"rejected": {"từ chối"}, "withdrawn": {"rút hồ sơ", "rút"},
	})
	channelNames = aliases(map[string][]string{
		"online": {"trực tuyến"}, "direct": {"trực tiếp"}, "postal": {"bưu chính", "bưu chính công ích", "qua bưu điện"},
	})
	returnNames = aliases(map[string][]string{
		"counter": {"tại quầy", "trực tiếp"}, "postal": {"bưu chính", "bưu chính công ích", "qua bưu điện"}, "online": {"trực tuyến"},
	})
)

func aliases(m map[string][]string) map[string]string {
	out := map[string]string{}
	for k, vs := range m {
		out[k] = k
		for _, v := range vs {
			out[fold(v)] = k
		}
	}
	return out
}

// Columns is the layout of a table, read from its header row.
type Columns struct {
	names []string // as written in the file, for error messages
	field []string // field of each column
	// SerialDates accepts Excel's date serial numbers in time columns, read
	// as local time in Asia/Ho_Chi_Minh (an Excel date has no zone).
	SerialDates bool
}

// Header reads the header row. Every column must be a field of the contract:
// a column such as a citizen's name is refused, so that personal data
// cannot slip in.
func Header(cells []string) (*Columns, error) {
	c := &Columns{}
	seen := map[string]string{}
	for i, h := range cells {
		if strings.TrimSpace(h) == "" {
			c.names, c.field = append(c.names, ""), append(c.field, "")
			continue
		}
		f, ok := headers[fold(h)]
		if !ok {
			return nil, fmt.Errorf("column %d %q is not a field of the event contract; columns may be %s", i+1, h,
				"event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, return_channel, fee_vnd, paid_online, digitized (or their Vietnamese names)")
		}
		if prev, dup := seen[f]; dup {
			return nil, fmt.Errorf("columns %q and %q both give %s", prev, h, f)
		}
		seen[f] = h
		c.names, c.field = append(c.names, strings.TrimSpace(h)), append(c.field, f)
	}
	for _, need := range []string{"event_id", "dossier_id", "type", "at", "unit", "procedure"} {
		if _, ok := seen[need]; !ok {
			return nil, fmt.Errorf("column %q is missing from the header", need)
		}
	}
	return c, nil
}

// Event reads one row. Field errors name the column as the file writes it
// and carry the row number given.
func (c *Columns) Event(row int, cells []string) (motcua.Event, []motcua.FieldError) {
	var e motcua.Event
	var errs []motcua.FieldError
	bad := func(col int, format string, args ...any) {
		errs = append(errs, motcua.FieldError{Line: row, Field: c.names[col], Reason: fmt.Sprintf(format, args...)})
	}
	for i, v := range cells {
		if i >= len(c.field) {
			if strings.TrimSpace(v) != "" {
				errs = append(errs, motcua.FieldError{Line: row, Field: fmt.Sprintf("column %d", i+1), Reason: "has a value but no header"})
			}
			continue
		}
		v = strings.TrimSpace(motcua.NFC(v))
		if v == "" {
			continue
		}
		switch c.field[i] {
		case "event_id":
			e.EventID = v
		case "dossier_id":
			e.DossierID = v
		case "unit":
			e.Unit = v
		case "procedure":
			e.Procedure = v
		case "official":
			e.Official = v
		case "type":
			t, ok := typeNames[fold(v)]
			if !ok {
				t = v // Validate names it
			}
			e.Type = motcua.EventType(t)
		case "channel":
			ch, ok := channelNames[fold(v)]
			if !ok {
				ch = v
			}
			e.Channel = motcua.Channel(ch)
		case "return_channel":
			ch, ok := returnNames[fold(v)]
			if !ok {
				ch = v
			}
			e.ReturnChannel = motcua.ReturnChannel(ch)
		case "at", "due_at":
			t, err := c.time(v)
			if err != nil {
				bad(i, "%v", err)
			} else if c.field[i] == "at" {
				e.At = t
			} else {
				e.DueAt = t
			}
		case "fee_vnd":
			n, err := money(v)
			if err != nil {
				bad(i, "want an amount in đồng such as 50.000, got %q", v)
			} else {
				e.FeeVND = &n
			}
		case "paid_online", "digitized":
			b, ok := boolean(v)
			if !ok {
				bad(i, "want có or không (yes or no), got %q", v)
			} else if c.field[i] == "paid_online" {
				e.PaidOnline = &b
			} else {
				e.Digitized = &b
			}
		}
	}
	return e, errs
}

// Field returns the column name that the file uses for a contract field, so
// that errors from motcua.Event.Validate can name the column.
func (c *Columns) Field(field string) string {
	for i, f := range c.field {
		if f == field {
			return c.names[i]
		}
	}
	return field
}

func (c *Columns) time(v string) (time.Time, error) {
	if c.SerialDates {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 2958466 {
			// Days since 1899-12-30, Excel's epoch, as wall-clock time.
			days := int(f)
			secs := int((f-float64(days))*86400 + 0.5)
			base := time.Date(1899, 12, 30, 0, 0, 0, 0, motcua.Location)
			return base.AddDate(0, 0, days).Add(time.Duration(secs) * time.Second), nil
		}
	}
	return motcua.ParseTime(v)
}

func money(v string) (int64, error) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(v), "đ"), "₫"))
	v = strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(v)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad amount")
	}
	return n, nil
}

func boolean(v string) (bool, bool) {
	switch fold(v) {
	case "có", "co", "x", "1", "true", "yes":
		return true, true
	case "không", "khong", "0", "false", "no":
		return false, true
	}
	return false, false
}

// Validate checks e against the contract and the catalogue and names each
// problem by the file's column and row.
func Validate(c *Columns, row int, e *motcua.Event, codes motcua.Codes) []motcua.FieldError {
	errs := e.Validate(codes)
	for i := range errs {
		errs[i].Line = row
		errs[i].Field = c.Field(errs[i].Field)
	}
	return errs
}
