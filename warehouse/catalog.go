package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua"
)

// SaveCatalog writes the catalogue as a new version and makes it current.
// Readers see the old version until the last table is written.
func (w *Warehouse) SaveCatalog(ctx context.Context, c *motcua.Catalog, source string) error {
	version := uint64(time.Now().UnixNano())
	type table struct {
		insert string
		rows   int
		row    func(i int) []any
	}
	tables := []table{
		{insertUnits, len(c.Units), func(i int) []any {
			u := c.Units[i]
			return []any{version, u.Code, u.Name, string(u.Level), u.Parent, u.HeadSlackID, u.MergedInto, u.MergedFrom}
		}},
		{insertProcedures, len(c.Procedures), func(i int) []any {
			p := c.Procedures[i]
			return []any{version, p.Code, p.Name, p.Field, string(p.Level), uint8(p.OnlineLevel), p.StatutoryDays, p.CutDays, b2u(p.Interlinked)}
		}},
		{insertOfficials, len(c.Officials), func(i int) []any {
			o := c.Officials[i]
			return []any{version, o.Code, o.Name, o.Unit, uint32(o.WeeklyOnlineTarget)}
		}},
		{insertTargets, len(c.Targets), func(i int) []any {
			t := c.Targets[i]
			return []any{version, t.Unit, uint16(t.Year), t.OnlineShare, t.OnTimeShare}
		}},
		{insertCalendarDays, len(c.Days), func(i int) []any {
			d := c.Days[i]
			return []any{version, time.Date(d.Date.Year(), d.Date.Month(), d.Date.Day(), 0, 0, 0, 0, time.UTC), string(d.Kind), d.Name, b2u(d.Guess)}
		}},
	}
	for _, t := range tables {
		if t.rows == 0 {
			continue
		}
		b, err := w.conn.PrepareBatch(ctx, t.insert)
		if err != nil {
			return wrap(fmt.Errorf("cannot prepare catalogue insert: %w", err))
		}
		for i := 0; i < t.rows; i++ {
			if err := b.Append(t.row(i)...); err != nil {
				b.Abort()
				return fmt.Errorf("cannot add catalogue row: %w", err)
			}
		}
		if err := b.Send(); err != nil {
			return wrap(fmt.Errorf("cannot write catalogue: %w", err))
		}
	}
	if err := w.insertRow(ctx, insertCatalogLoad, version, source, time.Now()); err != nil {
		return wrap(fmt.Errorf("cannot record catalogue load: %w", err))
	}
	for _, t := range []string{"units", "procedures", "officials", "targets", "calendar_days"} {
		// Old versions are garbage; a failure here leaves them for the next load.
		_ = w.conn.Exec(ctx, fmt.Sprintf(deleteOldCatalog, t, version))
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

const currentVersion = "(SELECT max(version) FROM catalog_loads)"

// Catalog reads the current catalogue. It returns nil and no error when no
// catalogue was ever loaded.
func (w *Warehouse) Catalog(ctx context.Context) (*motcua.Catalog, error) {
	var loads uint64
	if err := w.conn.QueryRow(ctx, countCatalogLoads).Scan(&loads); err != nil {
		return nil, wrap(fmt.Errorf("cannot read catalog_loads: %w", err))
	}
	if loads == 0 {
		return nil, nil
	}
	c := &motcua.Catalog{}
	err := w.each(ctx, selectUnits,
		func(scan func(...any) error) error {
			var u motcua.Unit
			var lvl string
			err := scan(&u.Code, &u.Name, &lvl, &u.Parent, &u.HeadSlackID, &u.MergedInto, &u.MergedFrom)
			u.Level = motcua.UnitLevel(lvl)
			c.Units = append(c.Units, u)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = w.each(ctx, selectProcedures,
		func(scan func(...any) error) error {
			var p motcua.Procedure
			var lvl string
			var ol, il uint8
			err := scan(&p.Code, &p.Name, &p.Field, &lvl, &ol, &p.StatutoryDays, &p.CutDays, &il)
			p.Level, p.OnlineLevel, p.Interlinked = motcua.UnitLevel(lvl), int(ol), il == 1
			c.Procedures = append(c.Procedures, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = w.each(ctx, selectOfficials,
		func(scan func(...any) error) error {
			var o motcua.Official
			var t uint32
			err := scan(&o.Code, &o.Name, &o.Unit, &t)
			o.WeeklyOnlineTarget = int(t)
			c.Officials = append(c.Officials, o)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = w.each(ctx, selectTargets,
		func(scan func(...any) error) error {
			var t motcua.Target
			var y uint16
			err := scan(&t.Unit, &y, &t.OnlineShare, &t.OnTimeShare)
			t.Year = int(y)
			c.Targets = append(c.Targets, t)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = w.each(ctx, selectCalendarDays,
		func(scan func(...any) error) error {
			var d motcua.CalendarDay
			var date, kind string
			var g uint8
			if err := scan(&date, &kind, &d.Name, &g); err != nil {
				return err
			}
			var err error
			d.Date, err = time.ParseInLocation(time.DateOnly, date, motcua.Location)
			d.Kind, d.Guess = motcua.DayKind(kind), g == 1
			c.Days = append(c.Days, d)
			return err
		})
	if err != nil {
		return nil, err
	}
	if err := c.Index(); err != nil {
		return nil, fmt.Errorf("cannot use the stored catalogue: %w", err)
	}
	return c, nil
}

func (w *Warehouse) each(ctx context.Context, query string, f func(scan func(...any) error) error) error {
	rows, err := w.conn.Query(ctx, query)
	if err != nil {
		return wrap(fmt.Errorf("cannot read catalogue: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows.Scan); err != nil {
			return fmt.Errorf("cannot read catalogue row: %w", err)
		}
	}
	return wrap(rows.Err())
}
