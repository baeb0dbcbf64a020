//! What crosses the agent's channel: one [`Request`] line from the command line, then [`Reply`] lines (one, or a
//! stream of events for `watch`); a sign-in that needs its second factor asks for the code (`CodeNeeded`) and reads
//! one more request (`Code`) on the same connection. Replies carry what the command prints, so a command answers the
//! same whether it ran the core itself or asked the agent.

use crate::reset;
use latchkey_core::api::LogoutScope;
use latchkey_core::events::SignOutReport;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroize;

/// The longest request line the agent reads (a sign-in with a long e-mail and password fits many times over).
pub const MAX_REQUEST: u64 = 64 * 1024;

#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    SignIn { email: String, password: Password },
    /// `latchkey second-factor`: completes a session that waits for its second factor.
    SecondFactor,
    /// The code asked for by `CodeNeeded`.
    Code { code: Password },
    SignOut { scope: LogoutScope },
    /// Signs out, wipes the local traces, and quits the agent.
    Reset,
    /// Every event from now on, starting with the current state as INITIAL_SESSION.
    Watch,
}

#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// `sign-in` (or `second-factor`) worked: the status object after it.
    SignedIn { state: Value },
    /// The session needs its second factor: the code `from` (in words) is asked for, as a `Code` request.
    CodeNeeded { from: String },
    /// `sign-out` ran: the status object after it and what the sign-out did.
    SignedOut { state: Value, report: SignOutReport },
    Reset { report: reset::Report },
    /// One event for `watch`, as `latchkey watch --json` prints it.
    Event { event: Value },
    /// The command failed: the error as the command line prints it (`{ "code", "message" }`).
    Failed { error: Value },
    /// The peer runs as another user: nothing else is answered.
    Refused { message: String },
}

/// A password (or a one-time code) on its way in: never printed (its `Debug` is redacted) and wiped from memory when
/// dropped.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(password: String) -> Self {
        Password(password)
    }

    /// The password, for the core (which keeps it as a secret); nothing is left here.
    pub fn take(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// One message as a line.
pub fn line<T: Serialize>(message: &T) -> Vec<u8> {
    let mut line = serde_json::to_vec(message).expect("protocol messages serialize");
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_line_and_a_password_never_shows_in_debug() {
        let request = Request::SignIn { email: "a@b.c".into(), password: Password::new("hunter2".into()) };
        assert!(!format!("{request:?}").contains("hunter2"));
        let text = String::from_utf8(line(&request)).unwrap();
        assert_eq!(text, "{\"op\":\"sign_in\",\"email\":\"a@b.c\",\"password\":\"hunter2\"}\n");
        let Request::SignIn { password, .. } = serde_json::from_str(&text).unwrap() else { panic!("a sign-in") };
        assert_eq!(password.take(), "hunter2");
        let text = String::from_utf8(line(&Request::SignOut { scope: LogoutScope::Global })).unwrap();
        assert_eq!(text, "{\"op\":\"sign_out\",\"scope\":\"global\"}\n");
        assert!(matches!(serde_json::from_str(&text).unwrap(), Request::SignOut { scope: LogoutScope::Global }));
        assert!(serde_json::from_str::<Request>("{\"op\":\"delete_everything\"}").is_err());
    }

    #[test]
    fn replies_round_trip() {
        let reply = Reply::Failed { error: serde_json::json!({ "code": "invalid_credentials", "message": "no" }) };
        let back: Reply = serde_json::from_slice(&line(&reply)).unwrap();
        assert!(matches!(back, Reply::Failed { error } if error["code"] == "invalid_credentials"));
    }
}
