//! What the tests share, each subject in a file of its own and all of it
//! re-exported here as `helpers::...`: the server under test (`app`),
//! browsers and signed-in consoles (`browser`), OAuth clients and the
//! authorization and token endpoints (`oauth`), and a real headless browser
//! (`webdriver`).

mod app;
mod browser;
mod oauth;
mod webdriver;

pub use crate::backends::Backend;
pub use app::*;
pub use browser::*;
pub use oauth::*;
pub use webdriver::*;
