package asset

import (
	"context"

	"opsbot/bot"
)

// clickIncident answers Open incident with the incident form, the asset
// filled in as affected.
func (s *Service) clickIncident(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if s.d.IncidentForm == nil {
		return nil, bot.Errorf(bot.CodeUnavailable, "the incident desk is not set up")
	}
	a, err := s.find(ctx, req.Action.Value)
	if err != nil {
		return nil, err
	}
	return s.d.IncidentForm(ctx, req, a.Name)
}

// clickChange answers Request change with the change form, the asset as
// its target.
func (s *Service) clickChange(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if s.d.ChangeForm == nil {
		return nil, bot.Errorf(bot.CodeUnavailable, "the change desk is not set up")
	}
	a, err := s.find(ctx, req.Action.Value)
	if err != nil {
		return nil, err
	}
	return s.d.ChangeForm(ctx, req, a.Name)
}
