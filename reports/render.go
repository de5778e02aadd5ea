package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/motcua/motcua/export"
)

// Formats are the outputs of a report.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
	FormatJSON = "json"
	FormatHTML = "html"
)

// Write renders a report: its tables as XLSX, one of them as CSV (table,
// default the first), v as JSON, or the tables as a standalone HTML page.
func Write(w io.Writer, format string, doc *export.Doc, table string, v any) error {
	switch format {
	case FormatXLSX:
		return export.WriteXLSX(w, doc)
	case FormatCSV:
		t := doc.Tables[0]
		if table != "" {
			var ok bool
			if t, ok = doc.Table(table); !ok {
				var names []string
				for _, t := range doc.Tables {
					names = append(names, t.Name)
				}
				return fmt.Errorf("cannot write table %q: the report has %v", table, names)
			}
		}
		return export.WriteCSV(w, t)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case FormatHTML:
		return page.Execute(w, doc)
	}
	return fmt.Errorf("cannot write format %q: want xlsx, csv, json or html", format)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"cell":    export.FormatCell,
	"numeric": func(k export.Kind) bool { return k == export.Count || k == export.Share || k == export.Number },
	"kind":    func(t *export.Table, i int) export.Kind { return t.Columns[i].Kind },
}).Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:14px/1.4 "Times New Roman",serif;margin:1.5rem}table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #999;padding:.25rem .5rem}td.num{text-align:right}h1{font-size:1.3rem}h2{font-size:1.1rem}</style>
</head><body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>{{end}}
{{range $t := .Tables}}<h2>{{$t.Title}}</h2>
<table><thead><tr>{{range $t.Columns}}<th>{{.Title}}</th>{{end}}</tr></thead><tbody>
{{range $t.Rows}}<tr>{{range $i, $c := .}}<td{{if numeric (kind $t $i)}} class="num"{{end}}>{{cell $c (kind $t $i)}}</td>{{end}}</tr>
{{end}}</tbody>{{if $t.Footer}}<tfoot><tr>{{range $i, $c := $t.Footer}}<td{{if numeric (kind $t $i)}} class="num"{{end}}><b>{{cell $c (kind $t $i)}}</b></td>{{end}}</tr></tfoot>{{end}}</table>
{{end}}</body></html>
`))
