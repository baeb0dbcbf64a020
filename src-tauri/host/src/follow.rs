//! A process that could not take the vault lock follows the one holding it: its engine re-reads the vault whenever
//! the holder writes it (inotify on Linux, through `notify`; never polling), and takes the lock over when the holder
//! quits (a thread blocked on the lock). Its engine never refreshes meanwhile (see the core's `engine/task/follow.rs`).

use latchkey_core::vault::FILE as VAULT_FILE;
use latchkey_core::{Config, SessionHandle, VaultLock};
use notify::{Event, RecursiveMode, Watcher};

/// Following lasts while this lives (the watcher); the lock wait ends with the process or the engine.
pub struct Following {
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Starts following the vault in `config`'s data folder for `core`. A part that cannot start is logged: without the
/// watcher the engine sees the holder's writes only when it takes the lock over.
pub fn follow(config: &Config, core: &SessionHandle) -> Following {
    let watcher = watch_vault(config, core).inspect_err(|e| tracing::warn!(error = %e, "cannot watch the vault file for changes")).ok();
    let (dir, waiting) = (config.data_dir.clone(), core.clone());
    let wait = std::thread::Builder::new().name("vault-lock-wait".into()).spawn(move || match VaultLock::wait(&dir) {
        Ok(lock) => waiting.took_lock(lock),
        Err(e) => tracing::warn!(code = e.code(), error = %e, "cannot wait for the vault lock"),
    });
    if let Err(e) = wait {
        tracing::warn!(error = %e, "cannot start the thread that waits for the vault lock");
    }
    tracing::info!("another Latchkey process holds the vault: following it until it quits");
    Following { _watcher: watcher }
}

fn watch_vault(config: &Config, core: &SessionHandle) -> notify::Result<notify::RecommendedWatcher> {
    let core = core.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        if event.is_ok_and(|e| names_the_vault(&e)) {
            core.vault_changed();
        }
    })?;
    watcher.watch(&config.data_dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// A write, replacement or removal of the vault file; reads (this process's own) are not changes.
fn names_the_vault(event: &Event) -> bool {
    !event.kind.is_access() && event.paths.iter().any(|p| p.file_name().is_some_and(|n| n == VAULT_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::secret::{AccessToken, RefreshToken};
    use latchkey_core::testing::{config, session, FakeApi, TestClock, TestStore};
    use latchkey_core::{Clock, EngineRules, EventKind, Session};
    use std::sync::Arc;
    use std::time::Duration;

    /// What the holder saves after a refresh: a 120 s token received 100 s ago, so its refresh is overdue.
    fn holders_refresh(now: i64) -> Session {
        let at = |s: &str| AccessToken::new(s.into());
        Session { access_token: at("holders-at"), refresh_token: RefreshToken::new("holders-rt".into()), access_expires_at: now + 20, last_refresh_at: Some(now - 100), ..session(now - 100) }
    }

    async fn next(events: &mut tokio::sync::broadcast::Receiver<latchkey_core::AuthEvent>, kind: EventKind) {
        let wait = async { while events.recv().await.expect("engine alive").event != kind {} };
        tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("no {kind:?} within 10 s"));
    }

    #[tokio::test]
    async fn a_follower_adopts_each_write_of_the_holder_and_renews_once_it_takes_the_lock_over() {
        let config = config("follow", None, None, &[]).unwrap();
        let held = VaultLock::acquire(&config.data_dir, Duration::ZERO).unwrap();
        let clock = TestClock::system();
        let store = Arc::new(TestStore::following());
        store.write_as_holder(Some(&session(clock.now_unix() - 100)));
        let api = FakeApi::new(3600);
        let (core, task) = latchkey_core::start(api.clone(), store.clone(), clock.clone(), EngineRules::default());
        let mut events = core.subscribe();
        tokio::spawn(task);
        core.initialized().await;
        let _following = follow(&config, &core);

        store.write_as_holder(Some(&holders_refresh(clock.now_unix())));
        std::fs::write(config.data_dir.join(VAULT_FILE), b"the holder's write").unwrap(); // what inotify reports
        next(&mut events, EventKind::TokenRefreshed).await;
        assert_eq!(core.access_token().await.unwrap().expose(), "holders-at");
        assert_eq!(api.refreshes.load(std::sync::atomic::Ordering::SeqCst), 0, "its refresh is overdue, but not here");

        drop(held); // the holder quits
        next(&mut events, EventKind::TokenRefreshed).await;
        assert_eq!(core.access_token().await.unwrap().expose(), "at-1", "refreshed here once the lock was taken over");
        assert_eq!(store.stored().unwrap().refresh_token.expose(), "rt-1", "and saved");
    }
}
