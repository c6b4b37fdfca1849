package oncall

import "opsbot/bot"

// Describe is the help summary of the `oncall` group.
const Describe = "who is on call, schedules, overrides and paging"

// Commands returns the `oncall …` commands.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{Verb: "oncall who", Args: "[schedule]", Summary: "Who is on call now, until when, and who is next",
			Examples: []string{"oncall who", "oncall who sre"}, Role: bot.RoleViewer, Handler: s.cmdWho},
		{Verb: "oncall schedule", Args: "<schedule> [days]", Summary: "Upcoming shifts of a schedule, overrides included (default 7 days, at most 90)",
			Examples: []string{"oncall schedule sre", "oncall schedule sre 28"}, Role: bot.RoleViewer, Handler: s.cmdSchedule},
		{Verb: "oncall override", Args: "<schedule> <@user> <start> <end|duration>",
			Summary:  "Put someone on call for a while, in the schedule's time zone",
			Examples: []string{"oncall override sre @bob now 4h", "oncall override sre @bob tomorrow 09:00 8h", "oncall override sre @bob 2026-12-24 18:00 2026-12-27 09:00"},
			Role:     bot.RoleResponder, Handler: s.cmdOverride},
		{Verb: "oncall overrides", Args: "[schedule]", Summary: "Current and future overrides, overlaps marked",
			Examples: []string{"oncall overrides", "oncall overrides sre"}, Role: bot.RoleViewer, Handler: s.cmdOverrides},
		{Verb: "oncall remove-override", Args: "<id>", Summary: "Remove an override",
			Examples: []string{"oncall remove-override OVR-4"}, Role: bot.RoleResponder, Handler: s.cmdRemoveOverride},
		{Verb: "oncall page", Args: "<schedule|policy|@user> <message>", Summary: "Page someone by DM, escalating until acknowledged",
			Examples: []string{"oncall page sre checkout is failing", "oncall page @bob please look at INC-4"}, Role: bot.RoleResponder, Handler: s.cmdPage},
	}
}

// Actions returns the button routes: acknowledging a page.
func (s *Service) Actions() []bot.Route {
	// Viewers may press it when they were the ones paged; the handler checks.
	return []bot.Route{{ID: "oncall.ack", Role: bot.RoleViewer, Handler: s.clickAck}}
}
