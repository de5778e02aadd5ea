package warehouse

import (
	"strings"
	"testing"
)

func TestWithoutSettings(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	old, cur := unknownOf([]string{"index_granularity"}), unknownOf(append([]string{"index_granularity"}, newerTableSettings...))
	var create string
	for _, m := range ms {
		for _, st := range m.Statements {
			if strings.HasPrefix(st, "CREATE TABLE events_017 ") {
				create = st
			}
			// Only 017 gives a table a setting that 18.16 does not know.
			if m.Version != 17 && (withoutSettings(st, old) != st || withoutSettings(st, cur) != st) {
				t.Errorf("migration %s: a statement changed:\n%s", m.Name, st)
			}
		}
	}
	if create == "" {
		t.Fatal("migration 017 creates no events_017")
	}
	for _, c := range []struct {
		name, st string
		unknown  map[string]bool
		want     string
	}{
		{"18.16", create, old, strings.Replace(create, "index_granularity = 256, min_compress_block_size = 4096", "index_granularity = 256", 1)},
		{"current", create, cur, create},
		{"only an unknown setting", "CREATE TABLE t (a UInt8) ENGINE = MergeTree\nORDER BY a\nSETTINGS min_compress_block_size = 4096",
			old, "CREATE TABLE t (a UInt8) ENGINE = MergeTree\nORDER BY a"},
		{"another setting stays", "CREATE TABLE t (a UInt8) ENGINE = MergeTree\nORDER BY a\nSETTINGS min_compress_block_size = 4096, no_such_setting = 1",
			old, "CREATE TABLE t (a UInt8) ENGINE = MergeTree\nORDER BY a\nSETTINGS no_such_setting = 1"},
		{"not a CREATE TABLE", "SELECT 1\nSETTINGS min_compress_block_size = 4096", old, "SELECT 1\nSETTINGS min_compress_block_size = 4096"},
	} {
		if got := withoutSettings(c.st, c.unknown); got != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}
