//! The subcommands' arguments: `account`, `user`, `private-app` and `dev`,
//! and the password every command that creates a user reads.

use super::output::OutputArgs;
use anyhow::{bail, Context};
use clap::Subcommand;
use std::io::BufRead;
use switchboard_core::scope::Scope;

#[derive(Subcommand)]
pub enum DevCommand {
    /// Fill an account with fake records (benchmarks, demos).
    Seed {
        /// Id of the account to fill.
        #[arg(long)]
        account: String,
        /// How many contacts to add.
        #[arg(long, default_value_t = 0)]
        contacts: u64,
        /// How many tickets to add.
        #[arg(long, default_value_t = 0)]
        tickets: u64,
        /// How many calls to add.
        #[arg(long, default_value_t = 0)]
        calls: u64,
    },
}

/// A password from `--password-stdin` or the SWITCHBOARD_PASSWORD environment
/// variable, never from a flag (flags show up in process lists).
#[derive(clap::Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input (otherwise it comes
    /// from the SWITCHBOARD_PASSWORD environment variable; never a flag).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordArgs {
    pub(super) fn read(&self) -> anyhow::Result<String> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading password from stdin")?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
        }
        match std::env::var("SWITCHBOARD_PASSWORD") {
            Ok(p) => Ok(p),
            Err(_) => bail!("give the password with --password-stdin or the SWITCHBOARD_PASSWORD environment variable"),
        }
    }
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Create an account and its first admin. Prints the account id (alone when
    /// stdout is not a terminal, so `ID=$(switchboard account create …)` works).
    Create {
        /// Company name.
        #[arg(long)]
        name: String,
        /// Email address of the first admin (their sign-in name).
        #[arg(long)]
        admin_email: String,
        /// Full name of the first admin.
        #[arg(long)]
        admin_name: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// List every account (a table on a terminal, JSON lines in a pipe).
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user to an account. Prints the user id (alone when stdout is not a terminal).
    Create {
        /// Id of the account (from `account create`).
        #[arg(long)]
        account: String,
        /// Email address (the sign-in name; unique across accounts).
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role in the account.
        #[arg(long, default_value = "member", value_parser = ["admin", "member"])]
        role: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// List the users of an account: a table on a terminal, JSON lines otherwise.
    List {
        /// Id of the account.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// The `--scopes` help, from the scopes a Private App may hold.
fn scopes_help() -> String {
    let scopes: Vec<&str> = Scope::ALL
        .into_iter()
        .filter(|s| s.grantable_to_private_app())
        .map(Scope::as_str)
        .collect();
    format!(
        "Comma-separated scopes; write does not imply read. One or more of: {}",
        scopes.join(", ")
    )
}

#[derive(Subcommand)]
pub enum PrivateAppCommand {
    /// Create a Private App and print its token on stdout (shown only this once).
    Create {
        /// Id of the account the app belongs to.
        #[arg(long)]
        account: String,
        /// Name shown in the console and the audit log.
        #[arg(long)]
        name: String,
        /// What the app is for (optional).
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, value_delimiter = ',', required = true, help = scopes_help())]
        scopes: Vec<String>,
        /// Token lifetime in days: 30, 90 or 365; omit for a token that never expires.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List an account's Private Apps (never their tokens): a table on a terminal,
    /// JSON lines otherwise.
    List {
        /// Id of the account.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        output: OutputArgs,
    },
}
