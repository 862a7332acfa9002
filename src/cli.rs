//! The command line: `serve`, `migrate`, and operator commands for scripting
//! and recovery (`account create`, `user create`, `private-app create`).

use crate::app::{open_store, shutdown_signal, Application};
use crate::config::{Config, ConfigArgs, ServeArgs};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::sync::Arc;
use switchboard_core::account::{parse_name, Email, NewPassword, NewUser, Role, SignUp};
use switchboard_core::clock::SystemClock;
use switchboard_core::private_app::{self, NewPrivateApp};
use switchboard_core::records::Module;
use switchboard_core::Services;

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

#[derive(Subcommand)]
pub enum DevCommand {
    /// Fill an account with fake records (benchmarks, demos).
    Seed {
        #[arg(long)]
        account: String,
        #[arg(long, default_value_t = 0)]
        contacts: u64,
        #[arg(long, default_value_t = 0)]
        tickets: u64,
        #[arg(long, default_value_t = 0)]
        calls: u64,
    },
}

/// A password from `--password-stdin` or the SWITCHBOARD_PASSWORD environment
/// variable, never from a flag (flags show up in process lists).
#[derive(clap::Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordArgs {
    fn read(&self) -> anyhow::Result<String> {
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
    /// Create an account and its first admin; prints the account id.
    Create {
        /// Company name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user to an account; prints the user id.
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Subcommand)]
pub enum PrivateAppCommand {
    /// Create a Private App and print its token (shown only this once).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Comma-separated scopes, e.g. contacts.read,contacts.write,admin.read.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// 30, 90 or 365; omit for a token that never expires.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(serve) => {
            let config = Config::load(&cli.common, &serve)?;
            tracing::info!(?config, "starting");
            let app = Application::build(config).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Migrate => {
            open_store(&Config::load(&cli.common, &ServeArgs::default())?).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Account(AccountCommand::Create {
            name,
            admin_email,
            admin_name,
            password,
        }) => {
            let services = services(&cli.common).await?;
            let input = SignUp {
                company: parse_name("name", &name, 100)?,
                name: parse_name("admin-name", &admin_name, 100)?,
                email: Email::parse("admin-email", &admin_email)?,
                password: NewPassword::parse("password", password.read()?)?,
            };
            let (account, user) = services.sign_up(input).await?;
            println!("account {} created; admin user {}", account.id, user.id);
            Ok(())
        }
        Command::User(UserCommand::Create {
            account,
            email,
            name,
            role,
            password,
        }) => {
            let services = services(&cli.common).await?;
            services.get_account(&account).await?;
            let input = NewUser {
                email: Email::parse("email", &email)?,
                name: parse_name("name", &name, 100)?,
                password: NewPassword::parse("password", password.read()?)?,
                role: Role::parse(&role).context("role must be admin or member")?,
            };
            let user = services.create_user(&account, "cli", input).await?;
            println!("user {} created", user.id);
            Ok(())
        }
        Command::PrivateApp(PrivateAppCommand::Create {
            account,
            name,
            description,
            scopes,
            expires_in_days,
        }) => {
            let services = services(&cli.common).await?;
            services.get_account(&account).await?;
            let input = NewPrivateApp {
                name: private_app::parse_app_name(&name)?,
                description: private_app::parse_description(&description)?,
                scopes: private_app::parse_scopes(&scopes)?,
                expires_in_days: private_app::parse_expiry(expires_in_days)?,
            };
            let (view, token) = services.create_private_app(&account, "cli", input).await?;
            eprintln!(
                "private app {} created; the token is shown only once:",
                view.app.id
            );
            println!("{}", token.expose());
            Ok(())
        }
        Command::Dev(DevCommand::Seed {
            account,
            contacts,
            tickets,
            calls,
        }) => {
            let counts = [
                (Module::Contacts, contacts),
                (Module::Tickets, tickets),
                (Module::Calls, calls),
            ];
            seed(&cli.common, &account, counts).await
        }
    }
}

async fn seed(
    common: &ConfigArgs,
    account: &str,
    counts: [(Module, u64); 3],
) -> anyhow::Result<()> {
    let services = services(common).await?;
    for (module, count) in counts {
        if count > 0 {
            crate::seed::seed(&services, account, module, count).await?;
        }
    }
    Ok(())
}

async fn services(common: &ConfigArgs) -> anyhow::Result<Services> {
    let store = open_store(&Config::load(common, &ServeArgs::default())?).await?;
    Ok(Services::new(store, Arc::new(SystemClock)))
}
