//! `/settings`: the console home, an overview of the settings sections the
//! signed-in user may use (the layout carries Sign out).

use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use askama::Template;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(home))
}

struct Card {
    href: &'static str,
    title: &'static str,
    text: &'static str,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    shell: Shell,
    role: &'static str,
    cards: Vec<Card>,
}

const ADMIN_CARDS: [Card; 5] = [
    Card {
        href: "/settings/private-apps",
        title: "Private Apps",
        text:
            "Tokens with the permissions you choose, for tools such as Zapier or your own scripts.",
    },
    Card {
        href: "/settings/oauth-apps",
        title: "OAuth 2.0 apps",
        text:
            "Register apps that people connect to their account by signing in and allowing access.",
    },
    Card {
        href: "/settings/connected-apps",
        title: "Connected apps",
        text: "Apps that people in this account have authorized, and when each was last used.",
    },
    Card {
        href: "/settings/users",
        title: "Users",
        text: "Invite people, choose who is an admin, and deactivate those who have left.",
    },
    Card {
        href: "/settings/audit-log",
        title: "Audit log",
        text: "Who created, changed or revoked what, and when.",
    },
];

const MEMBER_CARDS: [Card; 1] = [Card {
    href: "/settings/connected-apps",
    title: "Connected apps",
    text: "Apps you have authorized to use your account. Revoke any of them at any time.",
}];

const ACCOUNT_CARD: Card = Card {
    href: "/settings/account",
    title: "Account",
    text: "Your password and the devices where you are signed in.",
};

async fn home(mut c: Console) -> Result<Html<String>, PageError> {
    let mut cards: Vec<Card> = if c.is_admin() {
        ADMIN_CARDS.into_iter().collect()
    } else {
        MEMBER_CARDS.into_iter().collect()
    };
    cards.push(ACCOUNT_CARD);
    let page = SettingsPage {
        role: c.s.user.role.as_str(),
        shell: c.shell(Section::Home),
        cards,
    };
    Ok(Html(page.render()?))
}
