package outbox

// Joined reports how many calls have been queued for channel so far, so
// tests can queue calls in a known order.
func (o *Outbox) Joined(channel string) int { return o.lanes.joined(channel) }
