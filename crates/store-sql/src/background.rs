//! A store's own tasks (PostgreSQL's listeners, SQLite's checkpoints): each
//! runs until the last clone of the store is dropped.

/// A spawned task, aborted when this is dropped.
pub(crate) struct Background(tokio::task::JoinHandle<()>);

impl Background {
    pub(crate) fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> Self {
        Background(tokio::spawn(task))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}
