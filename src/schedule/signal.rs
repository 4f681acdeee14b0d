//! SIGINT/SIGTERM handling for `nianbao schedule`.

use super::runner::CancelToken;

/// Cancel `token` on the first SIGINT (Ctrl-C) or SIGTERM, so the scheduler stops starting runs
/// and the running crawls finish their pages in flight. A second signal exits at once with
/// status 130. Must be called inside a tokio runtime; the handlers are installed before it returns.
pub fn shutdown_on_signals(token: CancelToken) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::warn!("{name}: finishing the pages in flight, then stopping (signal again to abort)");
            token.cancel();
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            tracing::error!("second signal: aborting without waiting");
            std::process::exit(130);
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::warn!("Ctrl-C: finishing the pages in flight, then stopping (Ctrl-C again to abort)");
                token.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }
    Ok(())
}
