// Package assets holds the static files that motcua's pages load, embedded in
// the binary: Apache ECharts 5.6.0 (echarts/echarts.min.js, with its LICENSE
// and NOTICE), vendored by scripts/vendor-echarts.sh. motcua serves the chart
// script itself, so no page requests any other host.
package assets

import "embed"

// FS holds the folder echarts/: echarts.min.js, LICENSE, NOTICE and
// licenses/LICENSE-d3.
//
//go:embed echarts
var FS embed.FS
