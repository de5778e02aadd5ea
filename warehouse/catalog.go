package warehouse

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/motcua/motcua"
)

// catalogTable is one table of the catalogue: its rows are a slice of a
// domain type whose col tags name its columns (motcua.Unit and the others),
// so that a new column is a tagged field and a column in the schema.
type catalogTable struct {
	name string
	rows func(c *motcua.Catalog) reflect.Value // the slice, settable
}

var catalogTables = []catalogTable{
	{"units", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Units).Elem() }},
	{"procedures", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Procedures).Elem() }},
	{"officials", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Officials).Elem() }},
	{"targets", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Targets).Elem() }},
	{"ratings", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Ratings).Elem() }},
	{"calendar_days", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Days).Elem() }},
	{"working_hours", func(c *motcua.Catalog) reflect.Value { return reflect.ValueOf(&c.Hours).Elem() }},
}

// catalogColumn is one col-tagged field of a catalogue row type, with the
// field's type, which says how it travels.
type catalogColumn struct {
	motcua.Column
	typ reflect.Type
}

// columnsOf returns the col-tagged fields of a catalogue row type, in order.
func columnsOf(t reflect.Type) []catalogColumn {
	var out []catalogColumn
	for _, c := range motcua.Columns(t) {
		out = append(out, catalogColumn{Column: c, typ: t.Field(c.Index).Type})
	}
	return out
}

func (t catalogTable) columns() []catalogColumn {
	return columnsOf(t.rows(&motcua.Catalog{}).Type().Elem())
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
)

// value returns a field as the driver takes it for the column.
func (c catalogColumn) value(f reflect.Value) any {
	switch {
	case c.typ == durationType:
		return motcua.Clock(time.Duration(f.Int()))
	case c.typ == timeType:
		d := f.Interface().(time.Time).In(motcua.Location)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	case c.typ.Kind() == reflect.String:
		return f.String()
	case c.typ.Kind() == reflect.Int:
		return f.Int()
	case c.typ.Kind() == reflect.Float64:
		return f.Float()
	case c.typ.Kind() == reflect.Bool:
		return b2u(f.Bool())
	case c.typ.Kind() == reflect.Pointer:
		return f.Interface()
	}
	panic(fmt.Sprintf("warehouse: no column type for catalogue field %q (%s)", c.Name, c.typ))
}

// selectExpr is the column as selected: cast so that it scans into dest.
func (c catalogColumn) selectExpr() string {
	q := "`" + c.Name + "`"
	switch {
	case c.typ == timeType:
		return "toString(" + q + ")"
	case c.typ.Kind() == reflect.Int:
		return "toInt64(" + q + ")"
	case c.typ.Kind() == reflect.Float64:
		return "toFloat64(" + q + ")"
	case c.typ.Kind() == reflect.Bool:
		return "toUInt8(" + q + ")"
	}
	return q
}

// dest returns where to scan the column, and a func that sets the field.
func (c catalogColumn) dest(f reflect.Value) (any, func() error) {
	switch {
	case c.typ == durationType:
		var s string
		return &s, func() error {
			d, err := motcua.ParseClock(s)
			f.SetInt(int64(d))
			return err
		}
	case c.typ == timeType:
		var s string
		return &s, func() error {
			d, err := time.ParseInLocation(time.DateOnly, s, motcua.Location)
			f.Set(reflect.ValueOf(d))
			return err
		}
	case c.typ.Kind() == reflect.String:
		var s string
		return &s, func() error { f.SetString(s); return nil }
	case c.typ.Kind() == reflect.Int:
		var n int64
		return &n, func() error { f.SetInt(n); return nil }
	case c.typ.Kind() == reflect.Bool:
		var b bool
		return &b, func() error { f.SetBool(b); return nil }
	}
	return f.Addr().Interface(), func() error { return nil } // float64, *float64
}

// SaveCatalog writes the catalogue as a new version and makes it current.
// Readers see the old version until the last table is written.
func (w *Warehouse) SaveCatalog(ctx context.Context, c *motcua.Catalog, source string) error {
	version := uint64(time.Now().UnixNano())
	for _, t := range catalogTables {
		rows, cols := t.rows(c), t.columns()
		if rows.Len() == 0 {
			continue
		}
		b, err := w.conn.PrepareBatch(ctx, catalogInsert(t.name, cols))
		if err != nil {
			return wrap(fmt.Errorf("cannot prepare the insert into %s: %w", t.name, err))
		}
		for i := 0; i < rows.Len(); i++ {
			args := []any{version}
			for _, col := range cols {
				args = append(args, col.value(rows.Index(i).Field(col.Index)))
			}
			if err := b.Append(args...); err != nil {
				b.Abort()
				return fmt.Errorf("cannot add row %d of %s: %w", i+1, t.name, err)
			}
		}
		if err := b.Send(); err != nil {
			return wrap(fmt.Errorf("cannot write %s: %w", t.name, err))
		}
	}
	if err := w.insertRow(ctx, insertCatalogLoad, version, source, time.Now()); err != nil {
		return wrap(fmt.Errorf("cannot record catalogue load: %w", err))
	}
	for _, t := range catalogTables {
		// Old versions are garbage; a failure here leaves them for the next load.
		_ = w.conn.Exec(ctx, fmt.Sprintf(deleteOldCatalog, w.localTable(t.name), version))
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

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
	for _, t := range catalogTables {
		if err := w.readCatalogTable(ctx, t, t.rows(c)); err != nil {
			return nil, err
		}
	}
	if err := c.Index(); err != nil {
		return nil, fmt.Errorf("cannot use the stored catalogue: %w", err)
	}
	return c, nil
}

func (w *Warehouse) readCatalogTable(ctx context.Context, t catalogTable, slice reflect.Value) error {
	cols := t.columns()
	rows, err := w.conn.Query(ctx, catalogSelect(t.name, cols))
	if err != nil {
		return wrap(fmt.Errorf("cannot read %s: %w", t.name, err))
	}
	defer rows.Close()
	for rows.Next() {
		row := reflect.New(slice.Type().Elem()).Elem()
		dests := make([]any, len(cols))
		sets := make([]func() error, len(cols))
		for i, col := range cols {
			dests[i], sets[i] = col.dest(row.Field(col.Index))
		}
		if err := rows.Scan(dests...); err != nil {
			return fmt.Errorf("cannot read a row of %s: %w", t.name, err)
		}
		for i, set := range sets {
			if err := set(); err != nil {
				return fmt.Errorf("cannot read column %s of %s: %w", cols[i].Name, t.name, err)
			}
		}
		slice.Set(reflect.Append(slice, row))
	}
	return wrap(rows.Err())
}
