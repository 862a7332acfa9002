-- The client address of each audit entry (issue 11: actor, time, IP).
alter table audit_log add column ip text;
