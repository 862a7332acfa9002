//! The command line: `serve`, `migrate`, and operator commands for scripting
//! and recovery (`account create`, `user create|list`, `private-app create|list`).
//! Commands print for people on a terminal and for scripts otherwise (an id
//! alone, JSON lines), or JSON with `--json`.

use crate::app::{open_store, shutdown_signal, Application};
use crate::config::{Config, ConfigArgs, ServeArgs};
use anyhow::{bail, Context};
use clap::{CommandFactory, Parser, Subcommand};
use serde_json::{json, Value};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use switchboard_core::account::{parse_name, Email, NewPassword, NewUser, Role, SignUp, User};
use switchboard_core::clock::SystemClock;
use switchboard_core::private_app::{self, NewPrivateApp};
use switchboard_core::records::Module;
use switchboard_core::scope::Scope;
use switchboard_core::store::PrivateAppView;
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

/// `--json`: machine-readable output whatever stdout is.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Print JSON (an object, or an array for lists) instead of text.
    #[arg(long)]
    json: bool,
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

/// Parse the command line; a bad value that came from a `SWITCHBOARD_*`
/// environment variable is reported under the variable's name (clap names
/// only the flag, which the operator never typed).
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match env_value_error(&e) {
            Some(message) => {
                eprintln!("error: {message}");
                std::process::exit(2);
            }
            None => e.exit(),
        },
    }
}

fn env_value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg)?;
    let value = text(ContextKind::InvalidValue)?;
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?.to_owned();
    let flag = format!("--{long}");
    if std::env::args().any(|a| a == flag || a.starts_with(&format!("{flag}="))) {
        return None;
    }
    let env = env_of(&Cli::command(), &long)?;
    if std::env::var_os(&env)?.to_str()? != value {
        return None;
    }
    let reason = match (std::error::Error::source(e), e.get(ContextKind::ValidValue)) {
        (Some(source), _) => format!(": {source}"),
        (None, Some(ContextValue::Strings(valid))) => {
            format!(": expected one of {}", valid.join(", "))
        }
        _ => String::new(),
    };
    Some(format!(
        "invalid value '{value}' in the environment variable {env} (the setting of {flag}){reason}"
    ))
}

/// The environment variable behind `--long`, in any subcommand.
fn env_of(command: &clap::Command, long: &str) -> Option<String> {
    command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .or_else(|| command.get_subcommands().find_map(|sub| env_of(sub, long)))
}

/// How a command prints: for a person, for a pipe, or as JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Terminal,
    Plain,
    Json,
}

impl OutputArgs {
    fn mode(&self) -> Output {
        if self.json {
            Output::Json
        } else if std::io::stdout().is_terminal() {
            Output::Terminal
        } else {
            Output::Plain
        }
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Print rows: an aligned table with a header on a terminal, one JSON
/// object per line in a pipe, a JSON array with `--json`.
fn print_rows(mode: Output, header: &[&str], rows: &[Vec<String>], json: Vec<Value>) {
    match mode {
        Output::Json => println!("{}", Value::Array(json)),
        Output::Plain => {
            for line in json {
                println!("{line}");
            }
        }
        Output::Terminal => {
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                println!("{}", padded.join("  ").trim_end());
            };
            line(header.to_vec());
            for row in rows {
                line(row.iter().map(String::as_str).collect());
            }
            if rows.is_empty() {
                println!("(none)");
            }
        }
    }
}

fn print_users(mode: Output, users: &[User]) {
    let header = ["ID", "EMAIL", "NAME", "ROLE", "ACTIVE", "CREATED"];
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.id.clone(),
                u.email.clone(),
                u.name.clone(),
                u.role.as_str().to_owned(),
                if u.active { "yes" } else { "no" }.to_owned(),
                rfc3339(u.created_at),
            ]
        })
        .collect();
    let json = users.iter().map(user_json).collect();
    print_rows(mode, &header, &rows, json);
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "accountId": u.account_id,
        "email": u.email,
        "name": u.name,
        "role": u.role.as_str(),
        "active": u.active,
        "createdAt": rfc3339(u.created_at),
    })
}

fn print_private_apps(mode: Output, apps: &[PrivateAppView]) {
    let header = ["ID", "NAME", "SCOPES", "EXPIRES", "LAST USED", "CREATED"];
    let never = |t: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
        t.map(rfc3339).unwrap_or_else(|| none.to_owned())
    };
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|v| {
            vec![
                v.app.id.clone(),
                v.app.name.clone(),
                v.app.scopes.to_strings().join(","),
                never(v.expires_at, "never"),
                never(v.last_used_at, "never"),
                rfc3339(v.app.created_at),
            ]
        })
        .collect();
    let json = apps
        .iter()
        .map(|v| {
            json!({
                "id": v.app.id,
                "accountId": v.app.account_id,
                "name": v.app.name,
                "description": v.app.description,
                "scopes": v.app.scopes.to_strings(),
                "expiresAt": v.expires_at.map(rfc3339),
                "lastUsedAt": v.last_used_at.map(rfc3339),
                "createdAt": rfc3339(v.app.created_at),
            })
        })
        .collect();
    print_rows(mode, &header, &rows, json);
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(serve) => {
            let config = Config::load(&cli.common, &serve)?;
            tracing::info!("starting with {}", config.summary());
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
            output,
        }) => {
            let services = services(&cli.common).await?;
            let input = SignUp {
                company: parse_name("name", &name, 100)?,
                name: parse_name("admin-name", &admin_name, 100)?,
                email: Email::parse("admin-email", &admin_email)?,
                password: NewPassword::parse("password", password.read()?)?,
            };
            let (account, user) = services.sign_up(input).await?;
            match output.mode() {
                Output::Terminal => {
                    println!("account {} created; admin user {}", account.id, user.id)
                }
                Output::Plain => println!("{}", account.id),
                Output::Json => println!(
                    "{}",
                    json!({
                        "id": account.id,
                        "name": account.name,
                        "adminUserId": user.id,
                        "adminEmail": user.email,
                    })
                ),
            }
            Ok(())
        }
        Command::User(UserCommand::Create {
            account,
            email,
            name,
            role,
            password,
            output,
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
            match output.mode() {
                Output::Terminal => println!("user {} created", user.id),
                Output::Plain => println!("{}", user.id),
                Output::Json => println!("{}", user_json(&user)),
            }
            Ok(())
        }
        Command::Account(AccountCommand::List { output }) => {
            let services = services(&cli.common).await?;
            let accounts = services.list_accounts().await?;
            let rows = accounts
                .iter()
                .map(|a| vec![a.id.clone(), a.name.clone(), rfc3339(a.created_at)])
                .collect::<Vec<_>>();
            let json = accounts
                .iter()
                .map(|a| json!({"id": a.id, "name": a.name, "createdAt": rfc3339(a.created_at)}))
                .collect();
            print_rows(output.mode(), &["ID", "NAME", "CREATED"], &rows, json);
            Ok(())
        }
        Command::User(UserCommand::List { account, output }) => {
            let services = services(&cli.common).await?;
            services.get_account(&account).await?;
            let users = services.list_users(&account).await?;
            print_users(output.mode(), &users);
            Ok(())
        }
        Command::PrivateApp(PrivateAppCommand::List { account, output }) => {
            let services = services(&cli.common).await?;
            services.get_account(&account).await?;
            let apps = services.list_private_apps(&account).await?;
            print_private_apps(output.mode(), &apps);
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
