-- Webhooks (SPEC S9): subscriptions, the outbox written in the same
-- transaction as each change, and the log of delivery attempts.
create table webhook_subscriptions (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    -- the owner: a Private App, or an OAuth app through one grant;
    -- deleting either deletes the subscription
    private_app_id text references private_apps (id) on delete cascade,
    oauth_app_id text references oauth_apps (id) on delete cascade,
    grant_id text references oauth_grants (id) on delete cascade,
    target_url text not null,
    -- JSON array of event names and wildcards
    events text not null,
    -- the signing secret sealed under the server key
    secret_sealed text not null,
    -- the node delivering this subscription's events, until when
    lease_owner text,
    lease_until bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index webhook_subscriptions_account on webhook_subscriptions (account_id, created_at);
create index webhook_subscriptions_grant on webhook_subscriptions (grant_id);
create index webhook_subscriptions_private_app on webhook_subscriptions (private_app_id);

create table webhook_outbox (
    -- commit order within a subscription: events go out in this order
    seq bigint generated always as identity primary key,
    id text not null unique,
    subscription_id text not null references webhook_subscriptions (id) on delete cascade,
    account_id text not null,
    event_id text not null,
    event_type text not null,
    body text not null,
    event_at bigint not null,
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    -- pending | delivered | failed
    state text not null default 'pending',
    created_at bigint not null,
    updated_at bigint not null
);
create index webhook_outbox_pending on webhook_outbox (subscription_id, seq) where state = 'pending';

create table webhook_deliveries (
    id text primary key,
    outbox_id text not null,
    subscription_id text not null references webhook_subscriptions (id) on delete cascade,
    event_id text not null,
    event_type text not null,
    attempt bigint not null,
    status bigint,
    latency_ms bigint not null,
    error text,
    next_attempt_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index webhook_deliveries_subscription on webhook_deliveries (subscription_id, created_at);

-- A revoked grant takes its subscriptions with it (grants are kept, marked revoked).
create function webhook_subscriptions_grant_revoked() returns trigger language plpgsql as $$
begin
    delete from webhook_subscriptions where grant_id = new.id;
    return new;
end
$$;
create trigger webhook_subscriptions_grant_revoked after update of revoked_at on oauth_grants
for each row when (new.revoked_at is not null)
execute function webhook_subscriptions_grant_revoked();
