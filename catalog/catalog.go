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
	err := readTable(fsys, "units.csv", []string{"code", "name", "level", "parent", "head_slack_id", "merged_into", "merged_from"}, func(r row) error {
		u := motcua.Unit{Code: r.str("code"), Name: r.str("name"), Level: motcua.UnitLevel(r.str("level")),
			Parent: r.str("parent"), HeadSlackID: r.str("head_slack_id"), MergedInto: r.str("merged_into"), MergedFrom: r.str("merged_from")}
		if u.MergedFrom != "" {
			if _, err := time.Parse(time.DateOnly, u.MergedFrom); err != nil {
				return r.fail("merged_from", "want a date YYYY-MM-DD, got %q", u.MergedFrom)
			}
		}
		c.Units = append(c.Units, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readTable(fsys, "procedures.csv", []string{"code", "name", "field", "level", "online_level", "statutory_days", "cut_days", "interlinked"}, func(r row) error {
		p := motcua.Procedure{Code: r.str("code"), Name: r.str("name"), Field: r.str("field"), Level: motcua.UnitLevel(r.str("level"))}
		var err error
		if p.OnlineLevel, err = r.int("online_level"); err != nil {
			return err
		}
		if p.OnlineLevel < 1 || p.OnlineLevel > 4 {
			return r.fail("online_level", "want 1 to 4, got %d", p.OnlineLevel)
		}
		if p.StatutoryDays, err = r.float("statutory_days"); err != nil {
			return err
		}
		if p.CutDays, err = r.float("cut_days"); err != nil {
			return err
		}
		if p.Interlinked, err = r.bool("interlinked"); err != nil {
			return err
		}
		c.Procedures = append(c.Procedures, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readTable(fsys, "officials.csv", []string{"code", "name", "unit", "weekly_online_target"}, func(r row) error {
		o := motcua.Official{Code: r.str("code"), Name: r.str("name"), Unit: r.str("unit")}
		var err error
		if o.WeeklyOnlineTarget, err = r.int("weekly_online_target"); err != nil {
			return err
		}
		c.Officials = append(c.Officials, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readTable(fsys, "targets.csv", []string{"unit", "year", "online_share", "on_time_share"}, func(r row) error {
		t := motcua.Target{Unit: r.str("unit")}
		var err error
		if t.Year, err = r.int("year"); err != nil {
			return err
		}
		if t.OnlineShare, err = r.share("online_share"); err != nil {
			return err
		}
		if t.OnTimeShare, err = r.share("on_time_share"); err != nil {
			return err
		}
		c.Targets = append(c.Targets, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	years, _ := fs.Glob(fsys, "holidays/*.csv")
	sort.Strings(years)
	for _, f := range years {
		err = readTable(fsys, f, []string{"date", "kind", "name", "guess"}, func(r row) error {
			d, err := time.ParseInLocation(time.DateOnly, r.str("date"), motcua.Location)
			if err != nil {
				return r.fail("date", "want a date YYYY-MM-DD, got %q", r.str("date"))
			}
			if want := strings.TrimSuffix(path.Base(f), ".csv"); strconv.Itoa(d.Year()) != want {
				return r.fail("date", "date %s is not in the file's year %s", r.str("date"), want)
			}
			day := motcua.CalendarDay{Date: d, Kind: motcua.DayKind(r.str("kind")), Name: r.str("name")}
			if day.Kind != motcua.Holiday && day.Kind != motcua.WorkingDay {
				return r.fail("kind", "want holiday or working, got %q", day.Kind)
			}
			if day.Guess, err = r.bool("guess"); err != nil {
				return err
			}
			c.Days = append(c.Days, day)
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
		return 0, r.fail(col, "want a number of days, got %q", r.str(col))
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
