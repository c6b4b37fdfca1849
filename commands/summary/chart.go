package summary

import (
	"errors"
	"fmt"
	"time"

	"opsbot/bot"
	"opsbot/integrations/chart"
)

// chart draws every section's counts per day as one PNG (alerts and
// incidents per day, and whatever else a domain counts); nil when no
// section gave any, or the chart could not be drawn (logged: the
// summary posts without it).
func (s *Service) chart(req bot.SummaryRequest, results []result) []byte {
	var series []chart.Series
	for _, r := range results {
		if r.err != nil || r.section == nil {
			continue
		}
		for _, sr := range r.section.Series {
			pts := make([]chart.Point, 0, len(req.Days))
			for i, day := range req.Days {
				if i < len(sr.Values) {
					// A day's count sits at the end of its 24 hours.
					pts = append(pts, chart.Point{T: day.Add(24 * time.Hour), V: sr.Values[i]})
				}
			}
			series = append(series, chart.Series{Name: sr.Name, Points: pts})
		}
	}
	if len(series) == 0 {
		return nil
	}
	png, err := s.d.Draw(chart.Options{Title: fmt.Sprintf("Alerts and incidents per day, last %d days", len(req.Days)), Location: req.Loc, Height: 400}, series)
	if err != nil {
		if !errors.Is(err, chart.ErrNoData) {
			s.log.Warn("draw the summary's chart", "err", err)
		}
		return nil
	}
	return png
}
