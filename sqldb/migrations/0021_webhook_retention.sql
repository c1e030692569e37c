-- The purge finds settled webhook deliveries and old events by their
-- creation (retention.go WebhookRetention).
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (created_at) WHERE next_at IS NULL;
CREATE INDEX webhook_events_created ON webhook_events (created_at);
