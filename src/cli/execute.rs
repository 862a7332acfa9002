//! Running a parsed command: start the server, migrate, or open the store
//! and do one operator task.

use super::output::{print_private_apps, print_rows, print_users, rfc3339, user_json, Output};
use super::{AccountCommand, Cli, Command, DevCommand, PrivateAppCommand, UserCommand};
use crate::app::{open_store, shutdown_signal, Application};
use crate::config::{Config, ConfigArgs, ServeArgs};
use anyhow::Context;
use serde_json::json;
use std::sync::Arc;
use switchboard_core::account::{parse_name, Email, NewPassword, NewUser, Role, SignUp};
use switchboard_core::clock::SystemClock;
use switchboard_core::private_app::{self, NewPrivateApp};
use switchboard_core::records::Module;
use switchboard_core::Services;

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
