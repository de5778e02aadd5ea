// Package bench holds motcua's benchmarks against the raw ClickHouse path
// for the same work: `make bench`, or
//
//	go test -run '^$' -bench . -benchtime 1x -count 5 ./bench/
//
// MOTCUA_BENCH_EVENTS sets the number of events (default one million). Each
// benchmark reports the events per second of motcua and of raw clickhouse-go
// batch inserts into the same table, measured in the same run, and their ratio.
package bench
