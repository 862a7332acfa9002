-- How many records of each account and module hold each list item, kept
-- in the same transaction as the list items themselves (0012): the total
-- of a membership filter (`tags = "vip"`) is then one row read instead of
-- a count over every matching key. A row whose count reaches 0 is deleted.
create table record_list_counts (
    account_id text not null references accounts (id) on delete cascade,
    module text not null,
    field text not null,
    item text not null,
    records bigint not null,
    primary key (account_id, module, field, item)
) without rowid;

insert into record_list_counts (account_id, module, field, item, records)
    select account_id, module, field, item, count(*) from record_list_items
    group by account_id, module, field, item;
