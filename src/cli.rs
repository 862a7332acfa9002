//! The command line: `serve`, `migrate`, and operator commands for scripting
//! and recovery (`account create`, `user create|list`, `private-app create|list`).
//! Commands print for people on a terminal and for scripts otherwise (an id
//! alone, JSON lines), or JSON with `--json`.
//!
//! This file holds the top of the command tree and its parsing; the
//! subcommands' arguments, running a command, its output, and errors from
//! the environment live in the modules below.

mod env_error;
mod execute;
mod output;
mod subcommands;

pub use execute::run;
pub use output::OutputArgs;
pub use subcommands::{AccountCommand, DevCommand, PasswordArgs, PrivateAppCommand, UserCommand};

use crate::config::{ConfigArgs, ServeArgs};
use clap::{CommandFactory, Parser, Subcommand};
use env_error::env_value_error;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Self-hosted API access: Private App tokens and OAuth 2.0"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (migrations run first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Accounts (tenants).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Users of an account.
    #[command(subcommand)]
    User(UserCommand),
    /// Private App tokens.
    #[command(name = "private-app", subcommand)]
    PrivateApp(PrivateAppCommand),
    /// Development tools.
    #[command(subcommand)]
    Dev(DevCommand),
}

/// Parse the command line; a bad value that came from a `SWITCHBOARD_*`
/// environment variable is reported under the variable's name (clap names
/// only the flag, which the operator never typed).
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match env_value_error(&e, &Cli::command()) {
            Some(message) => {
                eprintln!("error: {message}");
                std::process::exit(2);
            }
            None => e.exit(),
        },
    }
}
