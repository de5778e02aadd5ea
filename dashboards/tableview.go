package dashboards

import (
	"net/url"

	"github.com/motcua/motcua/export"
)

// tableView is a table as the "table" template shows it: each cell
// formatted as the files show it, with its link.
type tableView struct {
	Name, Title, CSV string
	Groups           []groupView // a header row above the titles, when the table has groups
	Headers          []headerView
	Rows             [][]cellView
	Footer           []cellView
}

type groupView struct {
	Title string
	Span  int
}

type headerView struct {
	Title, Sort, Arrow string
	Numeric            bool
}

type cellView struct {
	Text, Link string
	Numeric    bool
}

// sortable are the tables whose columns order them when clicked.
var sortable = map[string]bool{"units": true}

// TableView returns the page's table named name, ready to show.
func (p *page) TableView(name string) tableView {
	t, ok := p.Doc.Table(name)
	if !ok {
		return tableView{Name: name}
	}
	v := tableView{Name: t.Name, Title: t.Title, CSV: p.Export("csv", t.Name)}
	spanned := 0
	for _, g := range t.Groups {
		v.Groups = append(v.Groups, groupView{g.Title, g.Span})
		spanned += g.Span
	}
	if len(t.Groups) > 0 && spanned < len(t.Columns) {
		v.Groups = append(v.Groups, groupView{"", len(t.Columns) - spanned})
	}
	for _, c := range t.Columns {
		h := headerView{Title: c.Title, Numeric: isNumeric(c.Kind)}
		if sortable[t.Name] {
			dir := "desc"
			if p.sortKey == c.Key {
				if p.sortDesc {
					h.Arrow, dir = " ▼", "asc"
				} else {
					h.Arrow = " ▲"
				}
			}
			h.Sort = p.link("sort", c.Key, "dir", dir) + "#t-" + t.Name
		}
		v.Headers = append(v.Headers, h)
	}
	row := func(cells []export.Cell) []cellView {
		out := make([]cellView, len(cells))
		for i, c := range cells {
			out[i] = cellView{Text: export.FormatCell(c, t.Columns[i].Kind), Link: c.Link, Numeric: isNumeric(t.Columns[i].Kind)}
		}
		return out
	}
	for _, r := range t.Rows {
		v.Rows = append(v.Rows, row(r))
	}
	if len(t.Footer) > 0 {
		v.Footer = row(t.Footer)
	}
	return v
}

// Export links to the page as a file: format xlsx, or csv of one table.
func (p *page) Export(format, table string) string {
	return p.link("format", format, "table", table)
}

// link is the page itself with the pairs (key, value, ...) set in its
// query; an empty value removes a key.
func (p *page) link(kv ...string) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return p.Path + "?" + q.Encode()
}

func isNumeric(k export.Kind) bool {
	return k == export.Count || k == export.Share || k == export.Number
}
