// Package catalog reads motcua's catalogues (units, procedures, officials,
// targets, holidays) from a folder of CSV files, and ships the Duyên Hải
// catalogue. The format is documented in duyenhai/README.md.
package catalog

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/motcua/motcua"
)

//go:embed duyenhai
var duyenHai embed.FS

// DuyenHai returns the catalogue of Duyên Hải town that ships with motcua.
func DuyenHai() fs.FS {
	sub, err := fs.Sub(duyenHai, "duyenhai")
	if err != nil {
		panic(err)
	}
	return sub
}

// LoadDir reads the catalogue in the folder dir.
func LoadDir(dir string) (*motcua.Catalog, error) {
	return Load(os.DirFS(dir))
}

// Load reads a catalogue from fsys and checks it as a whole.
func Load(fsys fs.FS) (*motcua.Catalog, error) {
	c := &motcua.Catalog{}
	err := readRows(fsys, "units.csv", &c.Units, func(r row, u *motcua.Unit) error {
		if u.MergedFrom != "" {
			if _, err := time.Parse(time.DateOnly, u.MergedFrom); err != nil {
				return r.fail("merged_from", "want a date YYYY-MM-DD, got %q", u.MergedFrom)
			}
		}
		if u.AlertWindowHours < 0 {
			return r.fail("alert_window_hours", "want working hours, 0 or more, got %v", u.AlertWindowHours)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readRows(fsys, "procedures.csv", &c.Procedures, func(r row, p *motcua.Procedure) error {
		if p.OnlineLevel < 1 || p.OnlineLevel > 4 {
			return r.fail("online_level", "want 1 to 4, got %d", p.OnlineLevel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := readRows(fsys, "officials.csv", &c.Officials, nil); err != nil {
		return nil, err
	}
	if err := readRows(fsys, "targets.csv", &c.Targets, nil); err != nil {
		return nil, err
	}
	if _, err := fs.Stat(fsys, "ratings.csv"); err == nil {
		if err := readRows(fsys, "ratings.csv", &c.Ratings, nil); err != nil {
			return nil, err
		}
	}
	if _, err := fs.Stat(fsys, "hours.csv"); err == nil {
		if err := readRows(fsys, "hours.csv", &c.Hours, nil); err != nil {
			return nil, err
		}
	}
	years, _ := fs.Glob(fsys, "holidays/*.csv")
	sort.Strings(years)
	for _, f := range years {
		err = readRows(fsys, f, &c.Days, func(r row, d *motcua.CalendarDay) error {
			if want := strings.TrimSuffix(path.Base(f), ".csv"); strconv.Itoa(d.Date.Year()) != want {
				return r.fail("date", "date %s is not in the file's year %s", r.str("date"), want)
			}
			if d.Kind != motcua.Holiday && d.Kind != motcua.WorkingDay {
				return r.fail("kind", "want holiday or working, got %q", d.Kind)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := c.Index(); err != nil {
		return nil, fmt.Errorf("cannot use catalogue: %w", err)
	}
	return c, nil
}

// readRows reads a CSV file of the catalogue into *dst, a row an element:
// the columns are the col tags of the element type (motcua.Unit and the
// others), each read by the type of its field; check, when set, checks what
// the types alone do not.
func readRows[T any](fsys fs.FS, name string, dst *[]T, check func(row, *T) error) error {
	cols := motcua.Columns(reflect.TypeFor[T]())
	var want []string
	for _, c := range cols {
		if !c.Optional {
			want = append(want, c.Name)
		}
	}
	return readTable(fsys, name, want, func(r row) error {
		var x T
		v := reflect.ValueOf(&x).Elem()
		for _, c := range cols {
			if err := r.set(c, v.Field(c.Index)); err != nil {
				return err
			}
		}
		if check != nil {
			if err := check(r, &x); err != nil {
				return err
			}
		}
		*dst = append(*dst, x)
		return nil
	})
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
)

// set reads the column c of the row into the field f, by f's type.
func (r row) set(c motcua.Column, f reflect.Value) error {
	switch {
	case f.Type() == durationType:
		d, err := motcua.ParseClock(r.str(c.Name))
		if err != nil {
			return r.fail(c.Name, "want a time of day HH:MM, got %q", r.str(c.Name))
		}
		f.SetInt(int64(d))
	case f.Type() == timeType:
		d, err := time.ParseInLocation(time.DateOnly, r.str(c.Name), motcua.Location)
		if err != nil {
			return r.fail(c.Name, "want a date YYYY-MM-DD, got %q", r.str(c.Name))
		}
		f.Set(reflect.ValueOf(d))
	case f.Kind() == reflect.String:
		f.SetString(r.str(c.Name))
	case f.Kind() == reflect.Int:
		n, err := r.int(c.Name)
		if err != nil {
			return err
		}
		f.SetInt(int64(n))
	case f.Kind() == reflect.Float64:
		x, err := r.float(c.Name)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Bool:
		b, err := r.bool(c.Name)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Float64 && c.Percent:
		p, err := r.share(c.Name)
		if err != nil {
			return err
		}
		if p != nil {
			f.Set(reflect.ValueOf(p))
		}
	default:
		panic(fmt.Sprintf("catalog: no reader for column %q of type %s", c.Name, f.Type()))
	}
	return nil
}

type row struct {
	file string
	line int
	cols map[string]int
	rec  []string
}

func (r row) str(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return norm.NFC.String(strings.TrimSpace(r.rec[i]))
}

func (r row) fail(col, format string, args ...any) error {
	return fmt.Errorf("%s, line %d, column %q: %s", r.file, r.line, col, fmt.Sprintf(format, args...))
}

func (r row) int(col string) (int, error) {
	s := r.str(col)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.fail(col, "want a whole number, got %q", s)
	}
	return n, nil
}

func (r row) float(col string) (float64, error) {
	s := strings.Replace(r.str(col), ",", ".", 1)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, r.fail(col, "want a number, 0 or more, got %q", r.str(col))
	}
	return f, nil
}

func (r row) share(col string) (*float64, error) {
	if r.str(col) == "" {
		return nil, nil
	}
	f, err := r.float(col)
	if err != nil || f > 100 {
		return nil, r.fail(col, "want a percentage 0-100, got %q", r.str(col))
	}
	return &f, nil
}

func (r row) bool(col string) (bool, error) {
	switch strings.ToLower(r.str(col)) {
	case "", "0", "false", "no", "không":
		return false, nil
	case "1", "true", "yes", "có":
		return true, nil
	}
	return false, r.fail(col, "want true or false, got %q", r.str(col))
}

// readTable reads a CSV file with a header row; lines starting with # are
// comments. Columns may come in any order; every column in want must be there.
func readTable(fsys fs.FS, name string, want []string, each func(row) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("cannot open catalogue file %q: %w", name, err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("cannot read header of %q: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range head {
		cols[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, w := range want {
		if _, ok := cols[w]; !ok {
			return fmt.Errorf("%s: column %q is missing from the header", name, w)
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read %q: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if err := each(row{file: name, line: line, cols: cols, rec: rec}); err != nil {
			return err
		}
	}
}
