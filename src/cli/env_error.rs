//! A bad value from a `SWITCHBOARD_*` environment variable, reported under
//! the variable's name: clap names only the flag, which the operator never
//! typed.

/// `cli`: the command tree that made `e` (it says which variable feeds a flag).
pub(super) fn env_value_error(e: &clap::Error, cli: &clap::Command) -> Option<String> {
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
    let env = env_of(cli, &long)?;
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
