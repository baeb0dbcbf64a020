//! GoTrue's MFA, phone and account-change behaviour, proved on the real local stack (scripts/stack: GoTrue over
//! PostgreSQL, the Send SMS hook receiver) with plain HTTP: the facts docs/mfa-stack.md states and the app builds on.

mod account;
mod factors;
mod limits;
mod phone;
mod sessions;
mod totp;
