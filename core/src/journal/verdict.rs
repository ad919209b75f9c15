//! What a journal's last line for a record means for the run reading it:
//! one rule for `kapture import`'s rows (keyed by row number) and a library
//! run's records (keyed by the caller's key).

use super::State;

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
}
