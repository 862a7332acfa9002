-- How many records each account holds per module, kept in the same
-- transaction as every insert and delete, so that an unfiltered list's
-- X-Total-Count is one row read instead of a count over the module table.
alter table change_counters add column live_records bigint not null default 0;
update change_counters set live_records =
    (select count(*) from contacts r where r.account_id = change_counters.account_id)
    where module = 'contacts';
update change_counters set live_records =
    (select count(*) from tickets r where r.account_id = change_counters.account_id)
    where module = 'tickets';
update change_counters set live_records =
    (select count(*) from calls r where r.account_id = change_counters.account_id)
    where module = 'calls';
