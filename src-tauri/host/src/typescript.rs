//! The IPC shapes in TypeScript, generated from the Rust types that cross IPC (ts-rs) into
//! ui/src/auth/generated/ipc.ts, which is committed: the test fails when that file is stale, and
//! `LATCHKEY_WRITE_GENERATED=1 cargo test -p latchkey-host typescript` writes it anew.

use crate::activity::Entry;
use crate::enrolment::TotpEnrolment;
use crate::project::ProjectState;
use latchkey_core::assurance::{Aal, AuthMethod, Claims, Factor, FactorStatus, FactorType};
use crate::sign_in_options::{SignInOptions, SignUpResult, SsoOffer};
use latchkey_core::api::LogoutScope;
use latchkey_core::config::Source;
use latchkey_core::error::ErrorCode;
use latchkey_core::events::{AuthEvent, EventKind, PendingSignOut, Retry, ServerOutcome, ServerSignOut, SignOutReport, Snapshot};
use latchkey_core::keychain::BackendReport;
use latchkey_core::policy::SignInMethod;
use latchkey_core::session::{Freshness, IdentityProvider, Persistence, SecondStep, SignOutReason, StateView, User};
use serde::Serialize;
use std::path::PathBuf;
use strum::VariantArray;
use ts_rs::{Config, TS};

const HEADER: &str = "// Generated from the Rust types by src-tauri/host/src/typescript.rs: do not edit by hand.\n";

/// `export type …;`, without the doc comments ts-rs copies in (the Rust types are where the shapes are explained).
fn declaration<T: TS>(cfg: &Config) -> String {
    let mut decl = T::decl(cfg);
    while let (Some(start), Some(end)) = (decl.find("\n/**"), decl.find("*/\n")) {
        decl.replace_range(start..end + 3, "");
    }
    format!("export {decl}\n")
}

/// Every value of a unit enum, as it crosses IPC, for the UI's checks of what it receives.
fn values<T: VariantArray + Serialize>(name: &str) -> String {
    let names: Vec<String> = T::VARIANTS.iter().map(|v| serde_json::to_string(v).expect("a unit variant serializes")).collect();
    format!("export const {name} = [{}] as const;\n", names.join(", "))
}

/// The whole generated file.
fn generated() -> String {
    let cfg = Config::new().with_large_int("number"); // times are seconds or milliseconds, well within 2^53
    let declarations = [
        declaration::<Aal>(&cfg),
        declaration::<FactorType>(&cfg),
        declaration::<FactorStatus>(&cfg),
        declaration::<Factor>(&cfg),
        declaration::<AuthMethod>(&cfg),
        declaration::<Claims>(&cfg),
        declaration::<SecondStep>(&cfg),
        declaration::<User>(&cfg),
        declaration::<SignOutReason>(&cfg),
        declaration::<Persistence>(&cfg),
        declaration::<Freshness>(&cfg),
        declaration::<IdentityProvider>(&cfg),
        declaration::<StateView>(&cfg),
        declaration::<EventKind>(&cfg),
        declaration::<Retry>(&cfg),
        declaration::<ServerOutcome>(&cfg),
        declaration::<ServerSignOut>(&cfg),
        declaration::<PendingSignOut>(&cfg),
        declaration::<SignOutReport>(&cfg),
        declaration::<AuthEvent>(&cfg),
        declaration::<Snapshot>(&cfg),
        declaration::<ErrorCode>(&cfg),
        declaration::<LogoutScope>(&cfg),
        declaration::<SignInMethod>(&cfg),
        declaration::<SsoOffer>(&cfg),
        declaration::<SignInOptions>(&cfg),
        declaration::<SignUpResult>(&cfg),
        declaration::<TotpEnrolment>(&cfg),
        declaration::<BackendReport>(&cfg),
        declaration::<Entry>(&cfg),
        declaration::<Source>(&cfg),
        declaration::<ProjectState>(&cfg),
        values::<SignOutReason>("SIGN_OUT_REASONS"),
        values::<Persistence>("PERSISTENCES"),
        values::<Freshness>("FRESHNESSES"),
        values::<EventKind>("EVENT_KINDS"),
        values::<Aal>("AALS"),
        values::<FactorType>("FACTOR_TYPES"),
        values::<ServerOutcome>("SERVER_OUTCOMES"),
        values::<ErrorCode>("ERROR_CODES"),
    ];
    format!("{HEADER}\n{}", declarations.join("\n"))
}

#[test]
fn the_committed_typescript_matches_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/auth/generated/ipc.ts");
    let fresh = generated();
    if std::env::var_os("LATCHKEY_WRITE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == fresh, "{} is stale: run LATCHKEY_WRITE_GENERATED=1 cargo test -p latchkey-host typescript", path.display());
}
