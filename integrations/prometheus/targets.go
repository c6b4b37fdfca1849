package prometheus

import (
	"context"
	"sort"
	"time"
)

// Target is one active scrape target and how its last scrape went.
type Target struct {
	// Pool is the scrape pool, usually the job name.
	Pool string
	// Labels are the target's labels after relabeling (job, instance, ...).
	Labels map[string]string
	// ScrapeURL is where Prometheus scrapes it.
	ScrapeURL string
	// Health is "up", "down" or "unknown" (not scraped yet).
	Health string
	// LastError is why the last scrape failed; empty when it worked.
	LastError string
	// LastScrape is when it was last scraped; zero if never.
	LastScrape time.Time
	// LastScrapeDuration is how long the last scrape took.
	LastScrapeDuration time.Duration
}

// Targets lists the active scrape targets, ordered by pool, then instance,
// then scrape URL.
func (c *Client) Targets(ctx context.Context) ([]Target, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	res, err := c.api.Targets(ctx)
	if err != nil {
		return nil, c.wrapErr(ctx, "list targets", err)
	}
	out := make([]Target, len(res.Active))
	for i, t := range res.Active {
		out[i] = Target{
			Pool:               t.ScrapePool,
			Labels:             labelSetMap(t.Labels),
			ScrapeURL:          t.ScrapeURL,
			Health:             string(t.Health),
			LastError:          t.LastError,
			LastScrape:         t.LastScrape,
			LastScrapeDuration: time.Duration(t.LastScrapeDuration * float64(time.Second)),
		}
		if out[i].LastScrape.Year() <= 1 {
			out[i].LastScrape = time.Time{} // "0001-01-01T00:00:00Z" means never
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.Pool != y.Pool {
			return x.Pool < y.Pool
		}
		if x.Labels["instance"] != y.Labels["instance"] {
			return x.Labels["instance"] < y.Labels["instance"]
		}
		return x.ScrapeURL < y.ScrapeURL
	})
	return out, nil
}
