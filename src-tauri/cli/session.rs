//! `latchkey sign-in` / `sign-out`: the same core as the window, holding the vault lock for the whole command.

use super::{exit, fail};
use latchkey_core::{AuthError, Config, SessionHandle, VaultLock};
use std::io::BufRead;

async fn locked_core(config: &Config) -> Result<SessionHandle, AuthError> {
    let dir = config.data_dir.clone();
    let lock = tokio::task::spawn_blocking(move || VaultLock::acquire(&dir, crate::LOCK_WAIT)).await.map_err(|_| AuthError::Stopped)??;
    let (handle, task) = crate::build_core(config, Some(lock));
    tokio::spawn(task);
    handle.initialized().await;
    Ok(handle)
}

fn print_state(handle: &SessionHandle) {
    println!("{}", serde_json::to_string(&handle.snapshot().state).expect("state serializes"));
}

pub async fn sign_in(config: &Config, email: String) -> i32 {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() || password.trim_end_matches(['\r', '\n']).is_empty() {
        eprintln!("latchkey: no password on standard input");
        return exit::USAGE;
    }
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let result = async {
        let core = locked_core(config).await?;
        core.sign_in_with_password(email, password).await?;
        Ok::<_, AuthError>(core)
    };
    match result.await {
        Ok(core) => {
            print_state(&core);
            exit::OK
        }
        Err(e) => fail(&e),
    }
}

pub async fn sign_out(config: &Config) -> i32 {
    let result = async {
        let core = locked_core(config).await?;
        core.sign_out().await?;
        Ok::<_, AuthError>(core)
    };
    match result.await {
        Ok(core) => {
            print_state(&core);
            exit::OK
        }
        Err(e) => fail(&e),
    }
}
