use switchboard::cli::run;

/// mimalloc rather than glibc's malloc: small, short-lived allocations are
/// most of a request's, and glibc's cost ~15% of its CPU (bench/profile.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
