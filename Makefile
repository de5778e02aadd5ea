# The README's two commands: `make demo` runs the stack with the demo data,
# `make test` runs every test. Both install what they need on a fresh Debian
# machine (root, Go installed).
GO       ?= go
# Runs of each parser's fuzz target (xlsx's are slow: a workbook each). A
# count, not a time: with a time, Go 1.26's fuzzing fails now and then at its
# deadline with "context deadline exceeded" and no failing input
# (golang/go#75804, fixed in Go 1.27).
FUZZRUNS      ?= 100000
FUZZRUNS_XLSX ?= 100
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build demo test vet lint fuzz unit current clickhouse chdb browser zookeeper bench bench-scale

all: build

build:
	$(GO) build -o bin/motcua ./cmd/motcua

clickhouse:
	@scripts/ensure-clickhouse.sh

chdb:
	@scripts/ensure-chdb.sh

# Chromium for the browser tests, LibreOffice to read exports back, fonts.
browser:
	@scripts/ensure-browser.sh

# ZooKeeper for the tests of a two-shard cluster.
zookeeper:
	@scripts/ensure-zookeeper.sh

demo: clickhouse build
	./bin/motcua demo

test: clickhouse browser zookeeper vet lint unit current fuzz

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

lint:
	$(GO) run $(STATICCHECK) ./...
	$(GO) vet -tags chdb ./warehouse/
	$(GO) run $(STATICCHECK) -tags chdb ./warehouse/

unit:
	$(GO) test -race -count=1 ./...

# Every migration and query of warehouse/ on current ClickHouse (chDB) against 18.16, and the
# settings of motcua's connections (asSent) and the restore of the facts' lookup under them.
current: clickhouse chdb
	$(GO) test -count=1 -tags chdb -run '^(TestCurrentClickHouse|TestRestoreFactsAsSent)$$' ./warehouse/

# Each parser's fuzz target, for a few seconds (FUZZRUNS runs).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZRUNS)x ./ingest/ndjson
	$(GO) test -run '^$$' -fuzz '^FuzzParseAgainstEncodingJSON$$' -fuzztime $(FUZZRUNS)x ./ingest/ndjson
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZRUNS)x ./ingest/csv
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZRUNS_XLSX)x ./ingest/xlsx
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZRUNS)x ./ingest/portal

# The benchmarks of bench/ on ClickHouse 18.16, then those that compare it with current ClickHouse (chDB).
bench: clickhouse chdb
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/
	$(GO) test -tags chdb -run '^$$' -bench . -benchtime 1x -timeout 30m ./warehouse/

# 100 million events over five years on this one node (hours: see README, Scale).
bench-scale: clickhouse
	MOTCUA_BENCH_SCALE=100000000 MOTCUA_BENCH_PER_YEAR=20000000 MOTCUA_BENCH_CODES=random $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 24h ./bench/
