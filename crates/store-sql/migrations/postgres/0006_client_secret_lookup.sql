-- A reported leaked client secret is found by its hash (SPEC S3).
create index oauth_apps_secret_hash_idx on oauth_apps (secret_hash);
