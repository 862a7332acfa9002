-- The items of every list field (contacts' email, phone_number and tags,
-- tickets' tags), one row each, kept in the same transaction as every record
-- write: list membership (`tags = "vip"`, `email IN (…)`) is then a look-up
-- in this table's key instead of a LIKE over each row's JSON text. The JSON
-- column stays what records are read from.
create table record_list_items (
    account_id text not null references accounts (id) on delete cascade,
    module text not null,
    -- the list's column name
    field text not null,
    item text not null,
    -- the record's (which never changes): a membership filter's first page
    -- is then the first rows of this key, in the list's order
    created_at bigint not null,
    record_id text not null,
    primary key (account_id, module, field, item, created_at, record_id)
) without rowid;
-- Updates and deletes replace a record's items.
create index record_list_items_record_idx on record_list_items (record_id);

insert or ignore into record_list_items (account_id, module, field, item, created_at, record_id)
    select r.account_id, 'contacts', 'email', j.value, r.created_at, r.id from contacts r, json_each(r.email) j;
insert or ignore into record_list_items (account_id, module, field, item, created_at, record_id)
    select r.account_id, 'contacts', 'phone_number', j.value, r.created_at, r.id from contacts r, json_each(r.phone_number) j;
insert or ignore into record_list_items (account_id, module, field, item, created_at, record_id)
    select r.account_id, 'contacts', 'tags', j.value, r.created_at, r.id from contacts r, json_each(r.tags) j;
insert or ignore into record_list_items (account_id, module, field, item, created_at, record_id)
    select r.account_id, 'tickets', 'tags', j.value, r.created_at, r.id from tickets r, json_each(r.tags) j;
