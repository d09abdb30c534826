//! Small-cohort suppression.
//!
//! With a minimum cohort `K` (default 6), a value computed from fewer than
//! `K` pupils is withheld so that no child can be identified:
//!
//! * a member side below `K` withholds `value_member`, its interval and every
//!   gap computed from it (`gap`, its interval, `gap_to_national`,
//!   `gap_vs_national_gap`);
//! * a comparison side below `K` withholds `value_comparison` and the gaps
//!   computed from it (`gap`, its interval, `gap_vs_national_gap`);
//!   `gap_to_national` uses only the member's value and the national figure,
//!   so it stays;
//! * the row is marked `suppressed`.
//!
//! Counts (`n_member`, `n_comparison`) are never withheld. National
//! figures are withheld only when they were computed from fewer than `K`
//! pupils (national figures from a national cohort never are; a "national"
//! table of a handful of pupils would otherwise give the withheld values
//! back). A side with no pupils has no value to withhold and does not
//! mark the row. `K = 0` turns suppression off, for analysts working inside
//! a secure environment.
//!
//! **What this does not protect yet.** Only primary suppression is applied.
//! A withheld group can sometimes be recovered by subtraction: the `all`
//! figure minus the comparison group's figure, with the counts shown, gives
//! the members' figure. Secondary suppression (withholding enough other
//! cells that no subtraction recovers a withheld one) is not done: do not
//! publish a gap table outside a secure setting without reviewing it.

/// The suppression rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    pub min_cohort: u64,
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression { min_cohort: 6 }
    }
}

impl Suppression {
    /// True when a value computed from `n` pupils must be withheld.
    pub fn withholds(&self, n: u64) -> bool {
        n > 0 && n < self.min_cohort
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        let rule = Suppression::default();
        assert!(rule.withholds(1) && rule.withholds(5));
        assert!(!rule.withholds(0) && !rule.withholds(6));
        assert!(!Suppression { min_cohort: 0 }.withholds(1));
    }
}
