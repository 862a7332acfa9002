//! Bounded retries of transactions that failed transiently.

/// Run a transaction again when it failed transiently (serialization failure,
/// deadlock, a connection dropped mid-transaction): the database rolled it
/// back, so trying again cannot apply it twice. (A macro, not a function
/// taking an async closure: the futures must stay `Send` for `async_trait`.)
macro_rules! with_retry {
    ($work:expr) => {{
        const ATTEMPTS: u32 = 3;
        let mut attempt = 1;
        loop {
            match $work.await {
                Err(switchboard_core::store::StoreError::Unavailable(why)) if attempt < ATTEMPTS => {
                    tracing::warn!(attempt, error = %why, "transient database error; retrying the transaction");
                    tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}
