//! `switchboard dev seed`: fill an account with realistic fake records, for
//! benchmarks and demos. Records go in through the store's bulk insert (with
//! their change-feed entries), in batches.

use anyhow::Context;
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use switchboard_core::ids::new_id;
use switchboard_core::records::{FieldValue, Module, Record};
use switchboard_core::Services;

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
    "Lee",
];
const CITIES: &[&str] = &[
    "Hen", "London", "Leeds", "Chennai", "Madurai", "Austin", "Berlin", "Lagos", "Lima", "Osaka",
];
const STATUS: &[&str] = &["open", "pending", "resolved", "closed"];
/// Records per transaction: each commit rewrites every index page its
/// records touched (the phone number index takes them at random), so larger
/// transactions write fewer pages per record.
const BATCH: usize = 20_000;

fn text(s: impl Into<String>) -> FieldValue {
    FieldValue::Text(s.into())
}

fn values(module: Module, rng: &mut StdRng, n: u64) -> BTreeMap<&'static str, FieldValue> {
    let mut v = BTreeMap::new();
    let pick = |rng: &mut StdRng, list: &[&str]| list[rng.gen_range(0..list.len())].to_owned();
    match module {
        Module::Contacts => {
            let (first, last) = (pick(rng, FIRST), pick(rng, LAST));
            v.insert("firstName", text(first.clone()));
            v.insert("lastName", text(last.clone()));
            v.insert(
                "primaryEmail",
                text(format!(
                    "{}.{}.{n}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                )),
            );
            v.insert(
                "primaryPhoneNumber",
                text(format!("+4477{:08}", rng.gen_range(0..100_000_000u32))),
            );
            v.insert("city", text(pick(rng, CITIES)));
            v.insert("country", text("GB"));
            v.insert("accountNumber", text(format!("AC{n:08}")));
            v.insert(
                "tags",
                FieldValue::List(vec![if n % 10 == 0 { "vip" } else { "standard" }.to_owned()]),
            );
            v.insert("blockCustomer", FieldValue::Int(i64::from(n % 50 == 0)));
            v.insert("doNotDisturb", FieldValue::Int(0));
        }
        Module::Tickets => {
            v.insert("subject", text(format!("Ticket {n}")));
            v.insert("status", text(pick(rng, STATUS)));
            v.insert("priority", text("normal"));
            v.insert("channel", text("email"));
        }
        Module::Calls => {
            v.insert(
                "direction",
                text(if n % 2 == 0 { "inbound" } else { "outbound" }),
            );
            v.insert("durationSeconds", FieldValue::Int(rng.gen_range(5..3600)));
            v.insert(
                "fromNumber",
                text(format!("+4477{:08}", rng.gen_range(0..100_000_000u32))),
            );
        }
    }
    v
}

/// Insert `count` records; creation times spread over the past year, in order.
pub async fn seed(
    services: &Services,
    account_id: &str,
    module: Module,
    count: u64,
) -> anyhow::Result<()> {
    services.get_account(account_id).await?;
    // Generated on a thread of their own while the previous batch is written.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(2);
    let account = account_id.to_owned();
    let generator = tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::seed_from_u64(42);
        let start = Utc::now() - Duration::days(365);
        let step_ms = (365 * 86_400_000 / count.max(1)).max(1) as i64;
        let mut done = 0u64;
        while done < count {
            let n = BATCH.min((count - done) as usize);
            let batch: Vec<Record> = (0..n as u64)
                .map(|i| {
                    let at = start + Duration::milliseconds(step_ms * (done + i) as i64);
                    Record {
                        id: new_id(),
                        account_id: account.clone(),
                        module,
                        version: 1,
                        created_at: at,
                        updated_at: at,
                        values: values(module, &mut rng, done + i),
                    }
                })
                .collect();
            if tx.blocking_send(batch).is_err() {
                return; // the writer stopped on an error
            }
            done += n as u64;
        }
    });
    let mut done = 0u64;
    let started = std::time::Instant::now();
    while let Some(batch) = rx.recv().await {
        services
            .store
            .insert_records_bulk(&batch)
            .await
            .context("bulk insert")?;
        let before = done;
        done += batch.len() as u64;
        if done / 100_000 > before / 100_000 || done == count {
            eprintln!(
                "{}: {done}/{count} ({:.0} records/s)",
                module.name(),
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    generator.await.context("record generator")?;
    // Without fresh statistics the planner may walk the list index instead of a field's index.
    services
        .store
        .refresh_statistics(true)
        .await
        .context("analyze")?;
    Ok(())
}
