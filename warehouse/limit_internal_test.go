package warehouse

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
)

// TestLimitError: ClickHouse's exceptions for a query past its time or
// memory limit become motcua's error kinds, with the limit in the message.
func TestLimitError(t *testing.T) {
	w := &Warehouse{cfg: Config{SummaryTimeout: 30 * time.Second, SummaryMaxMemory: 4 << 30}}
	for _, tc := range []struct {
		code int32
		kind error
		msg  string
	}{
		{159, motcua.ErrQueryTimeout, "within 30s, the time limit of a summary or list (max_execution_time)"},
		{241, motcua.ErrQueryMemory, "within 4294967296 bytes of memory, the limit of a summary or list (max_memory_usage)"},
	} {
		err := w.limitError(fmt.Errorf("cannot compute the summary: %w", &clickhouse.Exception{Code: tc.code, Message: "limit"}))
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("code %d: %v, want %v with %q", tc.code, err, tc.kind, tc.msg)
		}
	}
	other := &clickhouse.Exception{Code: 60, Message: "no such table"}
	if err := w.limitError(other); err != other {
		t.Errorf("another exception became %v", err)
	}
}
