//go:build chdb

// The suite of current ClickHouse: `go test -tags chdb ./warehouse/`, with
// libchdb installed (scripts/ensure-chdb.sh). It applies every migration and
// runs every statement of sql.go and the summaries on current ClickHouse,
// in-process through chDB, on the same small data set as a ClickHouse 18.16
// server, and compares the answers.

package warehouse

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chdb-io/chdb-go/chdb"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/warehouse/chlocal"
)

// sqlRunner runs SQL text and returns its answer as TSV.
type sqlRunner func(query string) (string, error)

func http18(base, db, password string) sqlRunner {
	return func(query string) (string, error) {
		resp, err := http.Post(base+"/?database="+url.QueryEscape(db)+"&user=default&password="+url.QueryEscape(password), "text/plain", strings.NewReader(query))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("%s: %s", resp.Status, b)
		}
		return string(b), nil
	}
}

// bind puts string arguments in place of ? as clickhouse-go does.
func bind(query string, args ...any) string {
	for _, a := range args {
		v := quote(fmt.Sprint(a))
		switch a.(type) {
		case int, uint32:
			v = fmt.Sprint(a) // numbers go in bare
		}
		query = strings.Replace(query, "?", v, 1)
	}
	return query
}

var insertCols = regexp.MustCompile(`(?s)INSERT INTO (\w+) \((.*?)\)`)

// migrated1816 starts a ClickHouse 18.16 server of the test's own, stopped
// when the test ends, and returns its database motcua, migrated, and the
// runner of SQL over its HTTP port.
func migrated1816(tb testing.TB) (*Warehouse, sqlRunner) {
	tb.Helper()
	ctx := context.Background()
	srv, err := chlocal.Start(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Stop() })
	w, err := Open(ctx, Config{Addr: srv.Addr(), Password: srv.Password(), Database: "motcua"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	if _, err := w.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return w, http18("http://"+srv.HTTPAddr(), "motcua", srv.Password())
}

func TestCurrentClickHouse(t *testing.T) {
	ctx := context.Background()
	w, old := migrated1816(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	cal := motcua.NewCalendar(cat.Days)
	if err := w.SaveCatalog(ctx, cat, "test"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, motcua.Location)
	all, err := demo.Generate(cat, cal, demo.Config{Seed: 3, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var evs []motcua.Event
	ids := map[string]bool{}
	for _, e := range all {
		if len(e.DossierID) > 0 && (e.DossierID[len(e.DossierID)-1] == '7' || strings.HasPrefix(e.DossierID, "DH-LIVE")) {
			e.Source = "test"
			evs = append(evs, e)
			ids[e.DossierID] = true
		}
	}
	if _, err := w.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	idList := slices.Sorted(func(yield func(string) bool) {
		for id := range ids {
			if !yield(id) {
				return
			}
		}
	})
	// All but three: those are what selectUnfolded finds.
	if _, err := w.RefreshDossiers(ctx, idList[3:], cat, cal); err != nil {
		t.Fatal(err)
	}
	// The notification log: five resolved dossiers told of, one of them done.
	var told []string
	for _, e := range evs {
		if e.Type == motcua.Resolved && len(told) < 5 && e.At.Year() == 2022 && slices.Contains(idList[3:], e.DossierID) {
			told = append(told, e.DossierID)
		}
	}
	var notices []motcua.Notice
	for i, id := range told {
		stage := motcua.StageOverdue
		if i == 4 {
			stage = motcua.StageDone
		}
		notices = append(notices, motcua.Notice{DossierID: id, Stage: stage, Unit: "P1", Recipient: "U-P1", Channel: "U-P1",
			TS: "1764200000.000001", Day: now, SentAt: time.Date(2021, 12, 1, 8, 0, 0, 0, motcua.Location)})
	}
	if err := w.RecordNotices(ctx, notices); err != nil {
		t.Fatal(err)
	}
	if err := w.SaveMessage(ctx, "U-P1", "1764200000.000001", "U-P1", `{"kind":"deadline"}`); err != nil {
		t.Fatal(err)
	}
	if err := w.RecordDelivery(ctx, "weekly", "2026-W47", "U-P1/P1", "D1", "1.1", now); err != nil {
		t.Fatal(err)
	}

	cur := chdbSession(t)
	version, err := cur("SELECT version()")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("current ClickHouse through chDB: %s", strings.TrimSpace(version))

	// Every migration applies on current ClickHouse, as Migrate runs it.
	if err := migrateRaw(cur); err != nil {
		t.Fatal(err)
	}
	// The same tables on both: what orders and partitions each. A statement
	// may mean more on current versions than on 18.16: a CREATE TABLE … AS
	// with an ORDER BY keeps the other table's partitions there (016 did so).
	layout := "SELECT name, partition_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name FORMAT TabSeparated"
	layoutOld, err := old(layout)
	if err != nil {
		t.Fatal(err)
	}
	layoutCur, err := cur(layout)
	if err != nil {
		t.Fatal(err)
	}
	if layoutOld != layoutCur {
		t.Errorf("the tables are not laid out alike\n18.16:\n%s\ncurrent:\n%s", layoutOld, layoutCur)
	}
	// Small compressed blocks where the refresher looks dossiers up and an
	// insert its keys, on the versions that have the setting for a table
	// (Migrate leaves it out on 18.16).
	for _, table := range []string{"events", "event_keys", "dossier_facts_by_id"} {
		engine, err := cur("SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = '" + table + "'")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(engine, "min_compress_block_size = 4096") {
			t.Errorf("%s on current ClickHouse: %s, want min_compress_block_size = 4096", table, engine)
		}
	}
	// The same data: every table copied with motcua's own INSERT column lists.
	inserts := []string{insertEvents, insertFacts, insertCatalogLoad, insertMigration, insertNotice, insertMessage, insertDelivery}
	for _, t := range catalogTables {
		inserts = append(inserts, catalogInsert(t.name, t.columns()))
	}
	for _, ins := range inserts {
		m := insertCols.FindStringSubmatch(ins)
		cols := strings.ReplaceAll(m[2], "`", "")
		if m[1] == "dossier_facts" {
			cols = strings.TrimSuffix(strings.TrimSpace(cols), ", sign") + ", sign"
		}
		// DateTime columns travel as Unix seconds, ten digits: 18.16 prints the
		// zero time as 0000-00-00 00:00:00, which current versions do not read back as zero.
		desc, err := old("DESCRIBE TABLE " + m[1] + " FORMAT TabSeparated")
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(desc), "\n") {
			f := strings.Split(line, "\t")
			types[f[0]] = f[1]
		}
		var sel []string
		for _, c := range strings.Split(cols, ",") {
			c = strings.TrimSpace(c)
			q := "`" + c + "`"
			if strings.HasPrefix(types[c], "DateTime") {
				q = "if(toUInt32(" + q + ") = 0, '0000000000', toString(toUInt32(" + q + ")))"
			}
			sel = append(sel, q)
		}
		data, err := old("SELECT " + strings.Join(sel, ", ") + " FROM " + m[1] + " FORMAT TabSeparated")
		if err != nil {
			t.Fatalf("read %s from 18.16: %v", m[1], err)
		}
		if _, err := cur(ins + " FORMAT TabSeparated\n" + data); err != nil {
			t.Fatalf("%s on current ClickHouse: %v", ins, err)
		}
	}
	// Lookup tables that the driver sends as external data.
	for _, run := range []sqlRunner{old, sqlRunner(cur)} {
		for _, st := range []string{
			"CREATE TABLE batch_keys (source String, event_id String) ENGINE = Memory",
			"INSERT INTO batch_keys VALUES ('test', '" + evs[0].EventID + "'), ('test', '" + evs[5].EventID + "'), ('test', 'no-such-event'), ('other', '" + evs[1].EventID + "')",
			"CREATE TABLE dossier_ids (id String) ENGINE = Memory",
			"INSERT INTO dossier_ids VALUES ('" + strings.Join(idList[:50], "'), ('") + "')",
		} {
			if _, err := run(st); err != nil {
				t.Fatal(err)
			}
		}
	}

	year := motcua.Window{From: time.Date(2022, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(2023, 1, 1, 0, 0, 0, 0, motcua.Location)}
	var months []motcua.Window
	for m := 1; m <= 12; m++ {
		months = append(months, motcua.Window{From: time.Date(2022, time.Month(m), 1, 0, 0, 0, 0, motcua.Location),
			To: time.Date(2022, time.Month(m+1), 1, 0, 0, 0, 0, motcua.Location)})
	}
	today := motcua.Window{From: time.Date(2026, 11, 27, 0, 0, 0, 0, motcua.Location), To: time.Date(2026, 11, 28, 0, 0, 0, 0, motcua.Location)}
	queries := map[string]string{
		"countEvents": countEvents, "countCatalogLoads": countCatalogLoads,
		"selectMigrations": selectMigrations, "selectStoredKeys": selectStoredKeys,
		"selectNewestKey": selectNewestKey, "selectFactsWatermark": selectFactsWatermark,
		"countRunningQuery": bind(countRunningQuery, "motcua-insert-none"), "selectUnfolded": selectUnfolded,
		"selectIngestedAfter": bind(selectIngestedAfter, 0, ""), "selectIngestedBetween": bind(selectIngestedBetween, 0, "", "Z"), "selectIngestedSample": bind(selectIngestedSample, 1, 0),
		"selectDossierEvents": bind(selectDossierEvents, evs[0].DossierID), "selectEventsOfDossiers": selectEventsOfDossiers,
		"selectCurrentFacts": selectCurrentFacts, "selectClosedNotices": fmt.Sprintf(selectClosedNotices, instantSQL(&motcua.Instant{At: now, Default: now})),
		"selectMessage": bind(selectMessage, "U-P1", "1764200000.000001"), "selectDelivered": bind(selectDelivered, "weekly", "2026-W47"),
		"selectNewestFold": selectNewestFold,
	}
	for _, t := range catalogTables {
		queries["catalogSelect "+t.name] = catalogSelect(t.name, t.columns())
	}
	for name, q := range map[string]motcua.SummaryQuery{
		"year by unit":          {Windows: []motcua.Window{year}, By: "unit"},
		"months":                {Windows: months, Units: cat.Subtree("TX")},
		"by procedure online":   {Windows: []motcua.Window{year}, By: "procedure", Channel: "online"},
		"by official":           {Windows: []motcua.Window{year}, By: "official", Units: []string{"P1", "P2"}},
		"today by unit (live)":  {Windows: []motcua.Window{today}, By: "unit"},
		"year by today's units": {Windows: []motcua.Window{year}, By: "unit", Units: cat.Subtree("PDH"), Successors: cat.Successors(now)},
	} {
		for tmpl, source := range map[string]string{"summary": "dossier_facts", "raw summary": eventsAsFacts} {
			text, args, err := summaryQuery(source, q)
			if err != nil {
				t.Fatal(err)
			}
			queries[tmpl+" "+name] = bind(text, args...)
		}
	}
	inst := cat.InstantAt(time.Date(2022, 12, 30, 10, 0, 0, 0, motcua.Location), cat.Calendar())
	inst.Approach = map[string]time.Time{"P1": inst.Default.Add(time.Hour)}
	text, args, err := summaryQuery("dossier_facts", motcua.SummaryQuery{Windows: []motcua.Window{year}, By: "unit", Now: &inst})
	if err != nil {
		t.Fatal(err)
	}
	queries["summary year by unit and now"] = bind(text, args...)
	for _, f := range []motcua.Figure{motcua.FigHandled, motcua.FigLate, motcua.FigWithinDueAtEnd, motcua.FigOpenNow, motcua.FigApproachingNow} {
		list, count, args, err := dossiersQuery(motcua.DossierQuery{Window: year, Now: &inst, Units: cat.Subtree("TX"), Channel: "online", Figure: f, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		queries["dossiers "+string(f)] = bind(list, args...)
		queries["count dossiers "+string(f)] = bind(count, args...)
	}
	list, _, args, err := dossiersQuery(motcua.DossierQuery{Window: motcua.Window{From: time.Date(2000, 1, 1, 0, 0, 0, 0, motcua.Location), To: now}, Now: &inst, Figure: motcua.FigHandled, IDs: idList[:50]})
	if err != nil {
		t.Fatal(err)
	}
	queries["dossiers of ids"] = bind(list, args...)
	live := cat.InstantAt(now, cat.Calendar())
	list, _, args, err = dossiersQuery(motcua.DossierQuery{Now: &live, Figure: motcua.FigOverdueNow, DueBefore: now,
		NotTold: &motcua.NotTold{Stages: []motcua.Stage{motcua.StageApproaching, motcua.StageRepeat}, Day: now}})
	if err != nil {
		t.Fatal(err)
	}
	queries["dossiers not told"] = bind(list, args...)
	for name, q := range queries {
		a, err := old(q + " FORMAT TabSeparated")
		if err != nil {
			t.Errorf("%s on 18.16: %v", name, err)
			continue
		}
		b, err := cur(q + " FORMAT TabSeparated")
		if err != nil {
			t.Errorf("%s on current ClickHouse: %v", name, err)
			continue
		}
		if strings.TrimSpace(a) == "" {
			t.Errorf("%s: 18.16 answers nothing; the test data does not exercise it", name)
		}
		if sortLines(a) != sortLines(b) {
			t.Errorf("%s: the answers differ\n18.16:\n%s\ncurrent:\n%s", name, head(sortLines(a)), head(sortLines(b)))
		}
	}
	// The statements that change things run on both: the catalogue's garbage
	// collection, the stop of a failed insert and the restore of its keys.
	for _, run := range []sqlRunner{old, sqlRunner(cur)} {
		for name, st := range map[string]string{"deleteOldCatalog": fmt.Sprintf(deleteOldCatalog, "units", 1),
			"killQuery": bind(killQuery, "motcua-insert-none"), "restoreEventKeys": bind(restoreEventKeys, 0, 0),
			"restoreFactsByID": restoreFactsByID, "selectUnrestored": bind(selectUnrestored, 0, 0)} {
			if _, err := run(st); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// asSentSettings returns the settings that Open gives a connection to the
// server of run (asSent), each as "name = value" of a SETTINGS clause. On
// current ClickHouse it fails the test unless the server knows every one: a
// misspelt name would be left out everywhere, silently.
func asSentSettings(tb testing.TB, run sqlRunner, current bool) []string {
	tb.Helper()
	known, err := run(selectKnownSettings)
	if err != nil {
		tb.Fatal(err)
	}
	set := asSentOf(strings.Fields(known))
	if current && !maps.Equal(set, asSent) {
		tb.Fatalf("current ClickHouse knows %v of the settings %v that Open gives a connection where it knows them", set, asSent)
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(set)) {
		out = append(out, fmt.Sprintf("%s = %v", name, set[name]))
	}
	return out
}

// sortLines puts lines in order and writes the zero DateTime (the Unix epoch,
// motcua's "never") one way: 18.16 prints it as 0000-00-00 00:00:00 or, where
// it applies the zone, 1970-01-01 07:00:00; current versions print
// 1970-01-01 08:00:00, Vietnam's offset in 1970 in their zone data. Same value.
func sortLines(s string) string {
	s = strings.NewReplacer("0000-00-00 00:00:00", "1970-01-01 07:00:00", "1970-01-01 08:00:00", "1970-01-01 07:00:00").Replace(s)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func head(s string) string {
	lines := strings.SplitN(s, "\n", 12)
	return strings.Join(lines[:min(len(lines), 11)], "\n")
}

// chdbSession starts current ClickHouse in-process, in a folder of the
// test's own, closed when the test ends, and returns its runner.
func chdbSession(tb testing.TB) sqlRunner {
	tb.Helper()
	s, err := chdb.NewSession(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return func(query string) (string, error) {
		r, err := s.Query(query, "TSV")
		if err != nil || r == nil {
			return "", err
		}
		return string(r.Buf()), nil
	}
}

// migratedCurrent starts current ClickHouse in-process (chdbSession) and
// applies every migration to its database motcua, which its queries use.
func migratedCurrent(tb testing.TB) sqlRunner {
	tb.Helper()
	cur := chdbSession(tb)
	for _, st := range []string{"CREATE DATABASE motcua", "USE motcua"} {
		if _, err := cur(st); err != nil {
			tb.Fatal(err)
		}
	}
	if err := migrateRaw(cur); err != nil {
		tb.Fatal(err)
	}
	return cur
}

// migrateRaw applies every migration with run as Migrate does on one
// server: without the settings of a table that the server does not know.
func migrateRaw(run sqlRunner) error {
	names, err := run("SELECT name FROM system.merge_tree_settings")
	if err != nil {
		return err
	}
	unknown := unknownOf(strings.Fields(names))
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if _, err := run(migrationsTable); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for _, m := range ms {
		for i, st := range m.Statements {
			if _, err := run(withoutSettings(st, unknown)); err != nil {
				return fmt.Errorf("migration %s, statement %d: %w", m.Name, i+1, err)
			}
		}
	}
	return nil
}

// TestRestoreFactsAsSent: the restore of dossier_facts_by_id
// (restoreFactsByID) on both versions, under the settings that Open gives a
// connection (asSent; current ClickHouse must know them all), where
// dossier_facts has cancelled a row and written another of the same sorting
// key, and the lookup missed that write: it
// holds the cancelled row, once for half the dossiers and twice for the
// other half (a row copied again, as Recover once did). The restore writes
// the new row and one or two cancels in one insert. On current versions an
// insert collapsed on its own (optimize_on_insert) dropped the new row with
// one cancel, or kept the first of two cancels alone, and the old row stayed
// for about three dossiers in four.
func TestRestoreFactsAsSent(t *testing.T) {
	_, old := migrated1816(t)
	cur := migratedCurrent(t)
	const dossiers = 300
	const insert = `INSERT INTO dossier_facts (dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at,
    has_due, resolved_at, outcome, ingested_to, settled, fold, folded_at, events, sign) `
	// rows are a row of each dossier, all with the same sorting key.
	rows := func(outcome string, fold, sign int) string {
		return fmt.Sprintf(`SELECT concat('D-', toString(number)) AS dossier_id, 'P1' AS unit, 'P1' AS handling_unit,
    '1.001' AS procedure, 'CB.P1.01' AS official, 'online' AS channel,
    toDateTime('2024-03-04 08:00:00', 'Asia/Ho_Chi_Minh') AS received_at, toDateTime('2024-03-11 08:00:00', 'Asia/Ho_Chi_Minh') AS due_at,
    1 AS has_due, toDateTime('2024-03-07 08:00:00', 'Asia/Ho_Chi_Minh') AS resolved_at, '%s' AS outcome,
    toDateTime('2024-03-07 08:00:00', 'Asia/Ho_Chi_Minh') AS ingested_to, 202403 AS settled, %d AS fold, now() AS folded_at,
    2 AS events, toInt8(%d) AS sign FROM numbers(%d)`, outcome, fold, sign, dossiers)
	}
	for name, run := range map[string]sqlRunner{"18.16": old, "current": cur} {
		t.Run(name, func(t *testing.T) {
			settings := ""
			if set := asSentSettings(t, run, name == "current"); len(set) > 0 {
				settings = " SETTINGS " + strings.Join(set, ", ")
			}
			for _, st := range []string{
				insert + rows("late", 1, 1) + settings,
				// Half the dossiers' lookup holds the row twice.
				"INSERT INTO dossier_facts_by_id (" + factColumns + ") SELECT " + factColumns +
					" FROM dossier_facts_by_id WHERE toUInt64(substring(dossier_id, 3)) % 2 = 0" + settings,
				// The second write, a cancel and then the new row, reaches dossier_facts only.
				"DROP TABLE dossier_facts_by_id_mv",
				insert + "SELECT * FROM (" + rows("late", 2, -1) + " UNION ALL " + rows("early", 2, 1) + ") ORDER BY dossier_id, sign" + settings,
				"CREATE MATERIALIZED VIEW dossier_facts_by_id_mv TO dossier_facts_by_id AS SELECT * FROM dossier_facts",
				"CREATE TABLE dossier_ids (id String) ENGINE = Memory",
				bind(`INSERT INTO dossier_ids `+selectUnrestored, 0, 0),
				restoreFactsByID + settings,
			} {
				if _, err := run(st); err != nil {
					t.Fatalf("%.80s: %v", st, err)
				}
			}
			const netOfEach = "SELECT outcome, count() FROM (SELECT dossier_id, outcome, sum(sign) AS n FROM dossier_facts_by_id GROUP BY dossier_id, outcome HAVING n != 0) GROUP BY outcome FORMAT TabSeparated"
			want := fmt.Sprintf("early\t%d", dossiers)
			for _, step := range []string{"restored", "merged"} {
				if step == "merged" {
					if _, err := run("OPTIMIZE TABLE dossier_facts_by_id FINAL"); err != nil {
						t.Fatal(err)
					}
				}
				got, err := run(netOfEach)
				if err != nil {
					t.Fatal(err)
				}
				if strings.TrimSpace(got) != want {
					t.Errorf("%s: dossier_facts_by_id nets, by outcome, %q dossiers; want each to net its early row alone", step, strings.TrimSpace(got))
				}
			}
		})
	}
}
