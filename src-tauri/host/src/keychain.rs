//! The keychain self-test of this process: run once, off the async threads, then answered from memory.

use latchkey_core::keychain::{self, BackendReport};
use latchkey_core::{AuthError, KeyringStore, APP_ID};
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct KeychainCheck(OnceCell<BackendReport>);

impl KeychainCheck {
    /// The report, from the first call's self-test.
    pub async fn report(&self) -> Result<BackendReport, AuthError> {
        self.0
            .get_or_try_init(|| async {
                let store = KeyringStore::new(APP_ID);
                tokio::task::spawn_blocking(move || keychain::self_test(&store)).await.map_err(|_| AuthError::Stopped)
            })
            .await
            .cloned()
    }
}
