package monitor

import "opsbot/bot"

// Commands returns the monitor's commands to register with the router.
// Read-only ones need the viewer role; changing silences needs responder.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{
			Verb: "alerts", Args: "[matchers]", Role: bot.RoleViewer, Handler: s.alertsCmd,
			Summary:  "List the alerts firing in Alertmanager, grouped by alert name",
			Examples: []string{"alerts", `alerts severity="critical"`, "alerts instance=~web-.*"},
		},
		{
			Verb: "silence", Args: "<matchers> <duration> <comment>", Role: bot.RoleResponder, Handler: s.silenceCmd,
			Summary:  "Silence alerts matching the matchers in Alertmanager for a while",
			Examples: []string{"silence alertname=HighCPU,instance=web-1:9100 2h deploying a fix", `silence {job="node"} 30m maintenance`},
		},
		{
			Verb: "silences", Role: bot.RoleViewer, Handler: s.silencesCmd,
			Summary: "List the active and pending silences",
		},
		{
			Verb: "unsilence", Args: "<silence-id>", Role: bot.RoleResponder, Handler: s.unsilenceCmd,
			Summary: "End a silence now", Examples: []string{"unsilence 6f0d3c1e-1b9a-4f6e-9d0e-2b5f1f0a9c11"},
		},
		{
			Verb: "query", Args: "<promql>", Role: bot.RoleViewer, Handler: s.queryCmd,
			Summary:  "Run an instant PromQL query and show the result as a table",
			Examples: []string{"query up == 0", `query topk(5, node_load1)`},
		},
		{
			Verb: "graph", Args: "<promql> [range] [step] [unit=<unit>]", Role: bot.RoleViewer, Handler: s.graphCmd,
			Summary:  "Draw a PromQL range query as a PNG chart (range default 1h)",
			Examples: []string{"graph node_load1", `graph rate(node_cpu_seconds_total{mode="user"}[5m]) 6h 1m`, "graph sum(rate(http_requests_total[5m])) 1d unit=req/s"},
		},
		{
			Verb: "status", Args: "[host|group]", Role: bot.RoleViewer, Handler: s.statusCmd,
			Summary:  "Show host health from node exporter: up, CPU, memory, disk, load",
			Examples: []string{"status", "status web-1"},
		},
	}
}
