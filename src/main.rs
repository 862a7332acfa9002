use switchboard::cli::run;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = switchboard::cli::parse();
    switchboard::telemetry::init();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
