//! Every rule of the deadline keeper as a row: the session's state and the time in, what is due (and when to wake) out.

use super::*;
use crate::engine::live::Backoff;
use crate::session::Persistence;
use crate::testing::session;

const S: i64 = 1_000; // ms in a second
const T: i64 = 1_800_000_000; // sign-in time, unix seconds

/// Signed in at T with an hour-long token received then; refresh at 30 min, revocation check at 10 min.
fn live() -> Live {
    let mut live = Live::new(session(T), Persistence::Keychain, T * S, 24 * 3600 * S, T * S, 0.5, false);
    live.user_check = UserCheck::Due { at: (T + 600) * S };
    live
}

fn backoff(until: i64) -> Backoff {
    Backoff { attempt: 1, until, cause: "server_unreachable".into(), rate_limited: false }
}

fn rules() -> EngineRules {
    EngineRules { idle_timeout: Some(Duration::from_secs(2 * 3600)), ..EngineRules::default() }
}

#[test]
fn what_is_due_follows_the_time_and_the_renewal_state() {
    let at = |secs: i64| (T + secs) * S;
    let with = |renewal: Renewal| Live { renewal, ..live() };
    let rows: Vec<(&str, Live, i64, Vec<Due>)> = vec![
        ("nothing yet", live(), at(60), vec![]),
        ("half-life: refresh (the revocation check waits for it)", live(), at(1800), vec![Due::Refresh]),
        ("revocation check", live(), at(600), vec![Due::CheckUser]),
        ("no check while refreshing", with(Renewal::Refreshing { due_at: at(1800), after: None }), at(1900), vec![]),
        ("backoff not over", with(Renewal::Backoff(backoff(at(1810)))), at(1805), vec![Due::CheckUser]),
        ("backoff over: retry", with(Renewal::Backoff(backoff(at(1810)))), at(1810), vec![Due::Refresh]),
        ("token expired in backoff: announce, retry", with(Renewal::Backoff(backoff(at(3600)))), at(3600), vec![Due::AnnounceExpiry, Due::Refresh]),
        ("announced once", with(Renewal::Expired(backoff(at(3700)))), at(3650), vec![]),
        ("no check with an unusable token", with(Renewal::Backoff(backoff(at(3700)))), at(3595), vec![]),
        ("idle limit", live(), at(7200), vec![Due::End(SignOutReason::IdleTimeout)]),
        ("the absolute deadline before the idle one", live(), at(86_400), vec![Due::End(SignOutReason::Timeout)]),
    ];
    for (name, live, now, expected) in rows {
        assert_eq!(due(&live, &rules(), now), expected, "{name}");
    }
}

#[test]
fn warnings_come_once_each_and_say_the_time_left() {
    let mut live = live();
    let r = EngineRules::default();
    let deadline = live.deadline_ms;
    assert_eq!(due(&live, &r, deadline - 601 * S).iter().filter(|d| matches!(d, Due::Warn { .. })).count(), 0);
    let warn = |live: &Live, now| due(live, &r, now).into_iter().find(|d| matches!(d, Due::Warn { .. }));
    assert_eq!(warn(&live, deadline - 600 * S), Some(Due::Warn { passed: 1, remaining_secs: 600 }));
    live.warnings_sent = 1;
    assert_eq!(warn(&live, deadline - 300 * S), None);
    assert_eq!(warn(&live, deadline - 30 * S), Some(Due::Warn { passed: 2, remaining_secs: 30 }));
    live.warnings_sent = 0;
    assert_eq!(warn(&live, deadline - 30 * S), Some(Due::Warn { passed: 2, remaining_secs: 30 }), "a restart after both says it once");
}

#[test]
fn the_task_wakes_for_the_next_thing_due_and_at_least_every_check_interval() {
    let at = |secs: i64| (T + secs) * S;
    let r = EngineRules { user_check_interval: Duration::from_secs(24 * 3600), ..rules() };
    let with = |renewal: Renewal, check: UserCheck| Live { renewal, user_check: check, ..live() };
    let far = UserCheck::Due { at: at(80_000) };
    let rows: Vec<(&str, Option<Live>, i64, i64)> = vec![
        ("signed out: the check interval", None, at(0), at(1)),
        ("the check interval bounds every sleep", Some(live()), at(10), at(11)),
        ("the refresh", Some(with(Renewal::Idle { next_at: at(1800) }, far)), at(1799) + 500, at(1800)),
        ("the retry", Some(with(Renewal::Backoff(backoff(at(2000) + 300)), far)), at(2000), at(2000) + 300),
        ("the expiry to announce", Some(with(Renewal::Backoff(backoff(at(5000))), far)), at(3599) + 700, at(3600)),
        ("the revocation check", Some(with(Renewal::Idle { next_at: at(1800) }, UserCheck::Due { at: at(600) + 200 })), at(600), at(600) + 200),
        ("not the check while refreshing", Some(with(Renewal::Refreshing { due_at: at(1800), after: None }, UserCheck::Due { at: at(1801) })), at(1801), at(1802)),
    ];
    for (name, live, now, expected) in rows {
        assert_eq!(next_wake(live.as_ref(), &r, now), expected, "{name}");
    }
    assert_eq!(sleep_until(at(5), at(5)), MIN_SLEEP, "never a busy loop");
}
