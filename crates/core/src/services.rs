//! `Services`: the one handle the HTTP layer and the CLI call into.
//! Each feature module adds its operations in its own `impl Services` block.

use crate::clock::Clock;
use crate::store::Store;
use crate::throttle::SignInThrottle;
use std::sync::Arc;

pub struct Services {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub sign_in_throttle: SignInThrottle,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Services {
            store,
            clock,
            sign_in_throttle: SignInThrottle::default(),
        }
    }
}
