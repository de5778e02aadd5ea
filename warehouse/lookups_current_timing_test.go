//go:build chdb

package warehouse

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// BenchmarkLookupsCurrent: a round of the figures refresher for 1,000
// dossiers, and an insert's lookup of 8,000 keys in event_keys, half of them
// stored, with motcua's statements, on current ClickHouse, in-process through
// chDB, at 1M and 10M events (MOTCUA_BENCH_LOOKUPS overrides the sizes,
// comma-separated). A round's parts are timed one by one: its two reads (the
// events of the dossiers and their rows of dossier_facts_by_id), the fold of
// the events in Go, and its write (a cancel and a new row a dossier, one
// insert into dossier_facts that the view copies into dossier_facts_by_id;
// the rows are made on the server beforehand, untimed). The round is the
// longer read, which the refresher runs at once with the other, plus the fold
// and the write; what clickhouse-go spends decoding 3,000 rows is left out,
// the same at every size.
// Production runs current versions, whose tables differ from 18.16's where a
// migration says nothing of a setting: a `CREATE TABLE … AS` keeps the other
// table's partitions there, and the size of a compressed block is a setting
// of each table. Dossiers have random codes (two events each, the received
// and the resolved, on random days over the years), the worst case of a
// lookup; the tables are merged whole first, as in BenchmarkScale
// (bench/). Medians of nine rounds, each of other dossiers; at the end the
// ratios of the largest size to the smallest.
//
//	go test -tags chdb -run '^$' -bench LookupsCurrent -benchtime 1x ./warehouse/
func BenchmarkLookupsCurrent(b *testing.B) {
	cur := migratedCurrent(b)
	q := func(query string) string {
		out, err := cur(query)
		if err != nil {
			b.Fatalf("%.200s: %v", query, err)
		}
		return out
	}
	b.Logf("current ClickHouse through chDB: %s", strings.TrimSpace(q("SELECT version()")))
	q("CREATE TABLE dossier_ids (id String) ENGINE = Memory")
	q("CREATE TABLE batch_keys (source String, event_id String) ENGINE = Memory")
	q("CREATE TABLE round_rows ENGINE = Memory AS SELECT " + factColumns + " FROM dossier_facts WHERE 0")
	// A round's write, under the settings of motcua's connections.
	write := strings.Join(append([]string{writeRound}, asSentSettings(b, cur, true)...), ", ")
	b.Logf("events: %s", strings.TrimSpace(q("SELECT engine_full FROM system.tables WHERE database = 'motcua' AND name = 'events'")))

	type result struct{ events, facts, fold, write, round, keys time.Duration }
	results := map[int]result{}
	var sizes []int
	for _, f := range strings.Split(os.Getenv("MOTCUA_BENCH_LOOKUPS"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) == 0 {
		sizes = []int{1_000_000, 10_000_000}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			for _, t := range []string{"events", "event_keys", "dossier_facts", "dossier_facts_by_id"} {
				q("TRUNCATE TABLE " + t)
			}
			dossiers := n / 2
			t0 := time.Now()
			q(eventsInsert("toString(1000000000 + i)", 0, n))
			q(fmt.Sprintf(`INSERT INTO dossier_facts (dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at,
    has_due, resolved_at, outcome, ingested_to, settled, fold, folded_at, events, sign)
SELECT d, u, u, p, concat('CB.', u, '.01'), ['online', 'direct', 'postal'][1 + cityHash64(i, 2) %% 3], day, day + 432000,
    1, day + 259200, 'early', now(), toYYYYMM(day + 259200), 1, now(), 2, 1
FROM (SELECT number AS i, concat('S-11-', toString(1000000000 + i)) AS d,
    toDateTime('2016-11-27 00:00:00', 'Asia/Ho_Chi_Minh') + cityHash64(i) %% 315360000 AS day,
    ['TX.MC', 'P1', 'P2', 'LH', 'LT', 'DT', 'TLH', 'HT'][1 + cityHash64(i, 1) %% 8] AS u,
    concat('1.00', toString(cityHash64(i, 3) %% 414)) AS p FROM numbers(%d))`, dossiers))
			// dossier_facts too: the rounds write it, and a merge of the load's
			// parts that their small parts set off would run during the reads,
			// longer the larger the table.
			for _, t := range []string{"events", "event_keys", "dossier_facts", "dossier_facts_by_id"} {
				q("OPTIMIZE TABLE " + t + " FINAL")
			}
			b.Logf("%d events loaded and merged in %s; bytes on disk an event: %s", n, time.Since(t0).Round(time.Second),
				strings.ReplaceAll(strings.TrimSpace(q(`SELECT groupArray(concat(table, ' ', toString(round(b / `+strconv.Itoa(n)+`, 1))))
FROM (SELECT table, sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = 'motcua'
    AND table IN ('events', 'event_keys', 'dossier_facts_by_id') GROUP BY table ORDER BY table)`)), "\t", " "))

			r := rand.New(rand.NewPCG(3, 3))
			var evT, factT, foldT, writeT, roundT, keyT []time.Duration
			written := map[int]bool{} // a round writes its dossiers: later rounds take others
			if dossiers < 9000 {
				b.Fatalf("%d events are too few: nine rounds of 1,000 dossiers of two events each need 18,000", n)
			}
			for b.Loop() {
				for range 9 {
					if len(written)+1000 > dossiers {
						b.Fatalf("%d dossiers leave too few for another round of 1,000 not written yet", dossiers)
					}
					var ids []string
					for len(ids) < 1000 {
						if d := r.IntN(dossiers); !written[d] {
							written[d] = true
							ids = append(ids, fmt.Sprintf("('S-11-%d')", 1_000_000_000+d))
						}
					}
					q("TRUNCATE TABLE dossier_ids")
					q("INSERT INTO dossier_ids VALUES " + strings.Join(ids, ","))
					t0 := time.Now()
					evs := strings.Count(q(selectEventsOfDossiers), "\n")
					evT = append(evT, time.Since(t0))
					t0 = time.Now()
					facts := strings.Count(q(selectCurrentFacts), "\n")
					factT = append(factT, time.Since(t0))
					if evs != 2000 || facts != 1000 {
						b.Fatalf("read %d events and %d facts of 1,000 dossiers", evs, facts)
					}
					t0 = time.Now()
					foldRound(ids)
					foldT = append(foldT, time.Since(t0))
					q("TRUNCATE TABLE round_rows")
					q(roundRows)
					// Each dossier's net fold goes up by one, whatever merges do.
					folds := func() int {
						n, _ := strconv.Atoi(strings.TrimSpace(q("SELECT sum(sign * fold) FROM dossier_facts_by_id WHERE dossier_id IN (SELECT id FROM dossier_ids)")))
						return n
					}
					before := folds()
					t0 = time.Now()
					q(write)
					writeT = append(writeT, time.Since(t0))
					if after := folds(); after != before+1000 {
						b.Fatalf("the round's write took the dossiers' net folds from %d to %d, want %d", before, after, before+1000)
					}
					last := len(evT) - 1
					roundT = append(roundT, max(evT[last], factT[last])+foldT[last]+writeT[last])
					// An insert's lookup of 8,000 keys: half of them stored.
					var keys []string
					for i, d := range distinct(r, 8000, dossiers) {
						keys = append(keys, fmt.Sprintf("('bench', 'S-11-%d/%s')", 1_000_000_000+d, []string{"r", "x"}[i%2]))
					}
					q("TRUNCATE TABLE batch_keys")
					q("INSERT INTO batch_keys VALUES " + strings.Join(keys, ","))
					t0 = time.Now()
					stored := strings.Count(q(selectStoredKeys), "\n")
					keyT = append(keyT, time.Since(t0))
					if stored != 4000 {
						b.Fatalf("found %d of 4,000 stored keys", stored)
					}
				}
			}
			res := result{medianOf(evT), medianOf(factT), medianOf(foldT), medianOf(writeT), medianOf(roundT), medianOf(keyT)}
			results[n] = res
			b.ReportMetric(float64(res.events.Microseconds())/1000, "events_1000_ms")
			b.ReportMetric(float64(res.facts.Microseconds())/1000, "facts_1000_ms")
			b.ReportMetric(float64(res.fold.Microseconds())/1000, "fold_1000_ms")
			b.ReportMetric(float64(res.write.Microseconds())/1000, "write_1000_ms")
			b.ReportMetric(float64(res.round.Microseconds())/1000, "round_1000_ms")
			b.ReportMetric(float64(res.keys.Microseconds())/1000, "keys_8000_ms")
		})
	}
	if len(sizes) < 2 {
		return
	}
	lo, hi := results[slices.Min(sizes)], results[slices.Max(sizes)]
	b.Run(fmt.Sprintf("ratios=%d/%d", slices.Max(sizes), slices.Min(sizes)), func(b *testing.B) {
		b.ReportMetric(float64(hi.events)/float64(lo.events), "events_x")
		b.ReportMetric(float64(hi.facts)/float64(lo.facts), "facts_x")
		b.ReportMetric(float64(hi.write)/float64(lo.write), "write_x")
		b.ReportMetric(float64(hi.round)/float64(lo.round), "round_x")
		b.ReportMetric(float64(hi.keys)/float64(lo.keys), "keys_x")
	})
}

// roundRows makes the rows of a round's write for the dossiers of
// dossier_ids: a cancel of each one's live row, and after it a new row of
// the next fold, in the order that the refresher sends them. (A new row
// before its cancel would be a state cancelled: ClickHouse drops the pair
// when it sorts the insert.)
const roundRows = `INSERT INTO round_rows
SELECT ` + factRowColumns + `, fold + (s = 1), if(s = 1, now(), folded_at), events, s
FROM dossier_facts_by_id ARRAY JOIN [-1, 1] AS s
WHERE dossier_id IN (SELECT id FROM dossier_ids) AND sign = 1
ORDER BY dossier_id, s`

// writeRound is a round's write: the rows of round_rows, in their order,
// into dossier_facts; the settings of motcua's connections (asSent) join its
// SETTINGS clause.
const writeRound = `INSERT INTO dossier_facts (` + factColumns + `) SELECT ` + factColumns + ` FROM round_rows
SETTINGS max_threads = 1`

// foldRound folds events of the shape of the benchmark's for a round's
// dossiers, as the refresher does (motcua.Fold): each dossier received on a
// day of 2024 and resolved three days later.
func foldRound(ids []string) {
	cal := motcua.NewCalendar(nil)
	days := func(string) (float64, bool) { return 5, true }
	at := time.Date(2024, 3, 4, 8, 0, 0, 0, motcua.Location)
	for i, id := range ids {
		recv := at.AddDate(0, 0, i%300)
		motcua.Fold([]motcua.Event{
			{EventID: id + "/r", DossierID: id, Type: motcua.Received, At: recv, Unit: "P1", Procedure: "1.001",
				Channel: motcua.Online, DueAt: recv.Add(5 * 24 * time.Hour), Source: "bench"},
			{EventID: id + "/s", DossierID: id, Type: motcua.Resolved, At: recv.Add(3 * 24 * time.Hour), Unit: "P1",
				Procedure: "1.001", Source: "bench"},
		}, cal, days)
	}
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkInsertBatchesCurrent: what an insert of events costs for its
// size, on ClickHouse 18.16 (a server of the benchmark's own, over HTTP) and
// on current ClickHouse (through chDB). A million events, each version
// migrated as motcua migrates it (the view into event_keys included), go in
// inserts of 100,000 rows and of 8,000, all that 8 clients of 1,000 events
// have in flight and so the largest insert that motcua's group commit can
// make of them. The rows are made by the server (INSERT … SELECT from
// numbers), the same SQL on both, so the rates leave out the client and the
// protocol: ratio_8k is the part of the large inserts' rate that inserts of
// 8,000 keep, the bound of BenchmarkConcurrentPosts' ratio (bench/) on that
// version. Medians of three loads of each.
//
//	go test -tags chdb -run '^$' -bench InsertBatchesCurrent -benchtime 1x ./warehouse/
func BenchmarkInsertBatchesCurrent(b *testing.B) {
	_, old := migrated1816(b)
	cur := migratedCurrent(b)

	const n = 1_000_000
	load := func(run sqlRunner, size int) time.Duration {
		for _, t := range []string{"events", "event_keys"} {
			if _, err := run("TRUNCATE TABLE " + t); err != nil {
				b.Fatal(err)
			}
		}
		t0 := time.Now()
		for from := 0; from < n; from += size {
			if _, err := run(eventsInsert("toString(cityHash64(i) % 1000000000)", from, min(size, n-from))); err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(t0)
		got, err := run("SELECT count() FROM events")
		if err != nil {
			b.Fatal(err)
		}
		if strings.TrimSpace(got) != strconv.Itoa(n) {
			b.Fatalf("%s events stored, want %d", strings.TrimSpace(got), n)
		}
		return took
	}
	for _, v := range []struct {
		name string
		run  sqlRunner
	}{{"18.16", old}, {"current", cur}} {
		b.Run("clickhouse="+v.name, func(b *testing.B) {
			var large, small []time.Duration
			for b.Loop() {
				for range 3 {
					large = append(large, load(v.run, 100_000))
					small = append(small, load(v.run, 8_000))
				}
			}
			l, sm := n/medianOf(large).Seconds(), n/medianOf(small).Seconds()
			b.ReportMetric(l, "rows100k_events/s")
			b.ReportMetric(sm, "rows8k_events/s")
			b.ReportMetric(sm/l, "ratio_8k")
		})
	}
}

// eventsInsert is an INSERT … SELECT of n events from the from-th on, on
// ClickHouse 18.16 and current versions alike: two a dossier, received on a
// random day of the ten years before 2026-11-27 and resolved three days
// later. Dossier i is coded 'S-11-' and code, an SQL expression of i.
func eventsInsert(code string, from, n int) string {
	return fmt.Sprintf(`INSERT INTO events (event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due,
    source, ingested_at, content_hash)
SELECT concat(d, if(number %% 2 = 0, '/r', '/s')), d, if(number %% 2 = 0, 'received', 'resolved'), day + (number %% 2) * 259200,
    u, p, concat('CB.', u, '.01'), if(number %% 2 = 0, ['online', 'direct', 'postal'][1 + cityHash64(i, 2) %% 3], ''),
    day + 432000, 1, 'bench', now(), cityHash64(number)
FROM (SELECT number + %d AS number, intDiv(number, 2) AS i, concat('S-11-', %s) AS d,
    toDateTime('2016-11-27 00:00:00', 'Asia/Ho_Chi_Minh') + cityHash64(i) %% 315360000 AS day,
    ['TX.MC', 'P1', 'P2', 'LH', 'LT', 'DT', 'TLH', 'HT'][1 + cityHash64(i, 1) %% 8] AS u,
    concat('1.00', toString(cityHash64(i, 3) %% 414)) AS p FROM numbers(%d))`, from, code, n)
}

// distinct returns k distinct numbers below n, at random (n of them when k
// is larger).
func distinct(r *rand.Rand, k, n int) []int {
	k = min(k, n)
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if d := r.IntN(n); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
