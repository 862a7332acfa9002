-- The periodic maintenance forgets webhook history older than a week: these
-- serve its deletes without a scan of the whole log and outbox.
create index webhook_deliveries_created on webhook_deliveries (created_at);
create index webhook_outbox_settled on webhook_outbox (updated_at) where state <> 'pending';
