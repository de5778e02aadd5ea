// Package dashboards will render motcua's go-echarts dashboards for
// leadership: units against their targets, with drill-down to units,
// procedures and officials.
package dashboards
