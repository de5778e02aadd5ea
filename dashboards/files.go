package dashboards

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua/export"
)

// export answers a page's tables as a file: ?format=xlsx, one sheet per
// table, or ?format=csv&table=NAME, one table.
func (d *Dashboards) export(c *gin.Context, p *page, format string) {
	name := fileName(p.Title, d.cfg.Now())
	// Files of dossiers and names: not kept by browsers or proxies.
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	var buf bytes.Buffer
	switch format {
	case "xlsx":
		if err := export.WriteXLSX(&buf, p.Doc); err != nil {
			d.fail(c, p, fmt.Errorf("cannot write the XLSX file: %w", err))
			return
		}
		c.Header("Content-Disposition", contentDisposition(name+".xlsx"))
		c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	case "csv":
		t, ok := p.Doc.Table(c.Query("table"))
		if !ok {
			var names []string
			for _, t := range p.Doc.Tables {
				names = append(names, t.Name)
			}
			d.fail(c, p, badRequest("table=%q: this page has the tables %s", c.Query("table"), strings.Join(names, ", ")))
			return
		}
		if err := export.WriteCSV(&buf, t); err != nil {
			d.fail(c, p, fmt.Errorf("cannot write the CSV file: %w", err))
			return
		}
		c.Header("Content-Disposition", contentDisposition(name+"-"+t.Name+".csv"))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	default:
		d.fail(c, p, badRequest("format=%q: want xlsx or csv", format))
	}
}

// fileName is a file name for a page's export, from its title and the day.
func fileName(title string, now time.Time) string {
	var b strings.Builder
	b.WriteString("motcua-")
	dash := false
	for _, r := range strings.ToLower(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '\u00a0' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-") + "-" + now.Format("20060102")
}

// contentDisposition names an attachment, in ASCII and in UTF-8 (RFC 6266).
func contentDisposition(name string) string {
	ascii := []rune{}
	for _, r := range name {
		if r < 128 && r != '"' && r != '\\' {
			ascii = append(ascii, r)
		} else {
			ascii = append(ascii, '_')
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, string(ascii), pathEscape(name))
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
