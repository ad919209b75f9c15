//! What a journal's last line for a record means for the run reading it:
//! one rule for `kapture import`'s rows (keyed by row number) and a library
//! run's records (keyed by the caller's key).

use super::State;
use crate::error::Error;

/// What becomes of a record a journal already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Never sent, failed, or not sent on purpose: send it.
    Send,
    /// Added before with this content: not sent; the outcome stands.
    Added,
    /// Added before with other content: not sent; the run refuses it (the
    /// import refuses the whole file before sending anything).
    Changed,
    /// Its outcome is unknown (a timeout, or a process that died with it
    /// on the wire): not sent, unknown again, unless the run looks it up
    /// (reconcile) or is told to send it anyway (`--retry-unknown`).
    Unknown,
}

/// The verdict on a record whose content hashes to `hash`, given the
/// journal's last state and hash for it (`None`: not in the journal).
pub fn verdict(earlier: Option<(u64, State)>, hash: u64) -> Verdict {
    match earlier {
        None => Verdict::Send,
        Some((before, State::Added)) if before != hash => Verdict::Changed,
        Some((_, State::Added)) => Verdict::Added,
        Some((_, State::Sending | State::Unknown)) => Verdict::Unknown,
        Some((_, State::Failed | State::NotSent)) => Verdict::Send,
    }
}

/// The state an outcome leaves a record at in a journal: added; not sent
/// on purpose (refused before it left: the next run sends it); unknown
/// (it may have been processed: never sent again blindly); or failed.
pub fn state_after<T>(result: &Result<T, Error>) -> State {
    match result {
        Ok(_) => State::Added,
        Err(Error::Aborted {
            outcome_unknown: false,
            ..
        }) => State::NotSent,
        Err(error) if error.outcome_unknown() => State::Unknown,
        Err(_) => State::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_has_one_verdict() {
        assert_eq!(verdict(None, 1), Verdict::Send);
        assert_eq!(verdict(Some((1, State::Added)), 1), Verdict::Added);
        assert_eq!(verdict(Some((2, State::Added)), 1), Verdict::Changed);
        assert_eq!(verdict(Some((2, State::Sending)), 1), Verdict::Unknown);
        assert_eq!(verdict(Some((1, State::Unknown)), 1), Verdict::Unknown);
        assert_eq!(verdict(Some((1, State::Failed)), 1), Verdict::Send);
        assert_eq!(verdict(Some((1, State::NotSent)), 1), Verdict::Send);
    }

    #[test]
    fn each_outcome_leaves_one_state() {
        let aborted = |unknown| Error::Aborted {
            message: String::new(),
            outcome_unknown: unknown,
        };
        assert_eq!(state_after(&Ok::<(), Error>(())), State::Added);
        assert_eq!(state_after::<()>(&Err(aborted(false))), State::NotSent);
        assert_eq!(state_after::<()>(&Err(aborted(true))), State::Unknown);
        assert_eq!(
            state_after::<()>(&Err(Error::Config(String::new()))),
            State::Failed
        );
    }
}
