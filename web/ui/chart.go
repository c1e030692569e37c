package ui

import (
	"strconv"
	"time"
)

// chart is a stacked bar chart drawn as SVG on the server: no script, no
// vendored library, readable by screen readers through its table twin.
type chart struct {
	Width, Height int
	Bars          []bar
	YMax          int64
	Ticks         []tick
	Legend        []legendItem
}

type bar struct {
	X, W     float64
	Segments []segment
	Label    string // the day, under some bars
	LabelX   float64
}

type segment struct {
	Y, H   float64
	Status string
	Title  string
}

type tick struct {
	Y     float64
	Label string
}

type legendItem struct{ Status, Label string }

const (
	chartW, chartH         = 720, 240
	chartLeft, chartBottom = 40, 24
	chartTop, chartMaxBars = 8, 400
	chartPlotH             = chartH - chartBottom - chartTop
	chartPlotW             = chartW - chartLeft - 8
)

// shortDay writes a day and month the way the language does.
func shortDay(lang string, d time.Time) string {
	if lang == "en" {
		return d.Format("Jan 2")
	}
	return d.Format("2/1")
}

func stackedChart(p *page, statuses []string, perDay map[time.Time]map[string]int64, from, to time.Time) chart {
	c := chart{Width: chartW, Height: chartH}
	var days []time.Time
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to) && len(days) < chartMaxBars; d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	for _, d := range days {
		var sum int64
		for _, n := range perDay[d] {
			sum += n
		}
		c.YMax = max(c.YMax, sum)
	}
	for _, s := range statuses {
		c.Legend = append(c.Legend, legendItem{Status: s, Label: p.t("status:" + s)})
	}
	if len(days) == 0 {
		return c
	}
	ymax := max(c.YMax, 1)
	for i := int64(0); i <= 4; i++ {
		v := ymax * i / 4
		c.Ticks = append(c.Ticks, tick{Y: chartTop + chartPlotH - float64(v)/float64(ymax)*chartPlotH, Label: strconv.FormatInt(v, 10)})
	}
	step := float64(chartPlotW) / float64(len(days))
	every := max(1, len(days)/6)
	for i, d := range days {
		b := bar{X: chartLeft + float64(i)*step + step*0.1, W: step * 0.8}
		y := float64(chartTop + chartPlotH)
		for _, s := range statuses {
			n := perDay[d][s]
			if n == 0 {
				continue
			}
			h := float64(n) / float64(ymax) * chartPlotH
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, H: h, Status: s,
				Title: d.Format(time.DateOnly) + " · " + p.t("status:"+s) + ": " + strconv.FormatInt(n, 10)})
		}
		if i%every == 0 {
			b.Label, b.LabelX = shortDay(p.lang, d), b.X+b.W/2
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
