//! Confidence intervals, and nothing else.
//!
//! All intervals are two-sided 95%, with `z = Φ⁻¹(0.975)` computed exactly
//! (1.959963984540054) rather than the rounded 1.96.
//!
//! * a rate: the **Wilson score** interval (Wilson 1927), defined for every
//!   `n >= 1`, including 0% and 100%;
//! * a mean: **Student's t** with `n − 1` degrees of freedom and the sample
//!   standard deviation, for `n >= 2`;
//! * a difference of rates: **Newcombe's hybrid score** interval (Newcombe
//!   1998, method 10), built from the two Wilson intervals;
//! * a difference of means: **Welch's** interval with Welch–Satterthwaite
//!   degrees of freedom, for `n >= 2` on both sides.
//!
//! Proportions here are fractions (0..1); callers scale to percent.

use std::sync::OnceLock;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// `Φ⁻¹(0.975)`, the 95% two-sided normal quantile.
pub fn z95() -> f64 {
    static Z: OnceLock<f64> = OnceLock::new();
    *Z.get_or_init(|| Normal::standard().inverse_cdf(0.975))
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
///
/// statrs inverts the t distribution through the incomplete beta function,
/// about 2 µs a call; a national gap table needs some 200,000 Welch
/// intervals, each with its own fractional degrees of freedom, which made it
/// the largest single cost of the table. So quantiles come from a table of
/// `ln t` against `u = 1/df` (4,096 steps from df = 1 to the normal limit at
/// u = 0), computed once with statrs and read by cubic interpolation. It is
/// also more accurate than statrs for large samples: statrs' inversion drifts
/// past about 10⁴ df (1.9598 instead of 1.95997 at 10⁶ df), where the table
/// meets the exact normal limit. A test checks it against statrs to 1e-11
/// (relative) up to 5,000 df and against the Cornish–Fisher expansion beyond.
pub fn t95(df: f64) -> f64 {
    if !(df >= 1.0) {
        return t_quantile(df);
    }
    let table = quantile_table();
    let position = (1.0 / df) * QUANTILE_STEPS as f64;
    // The cubic through the four nearest table points (clamped at the ends).
    let i = (position.floor() as usize).clamp(1, QUANTILE_STEPS - 1);
    let x = position - i as f64;
    let (p0, p1, p2, p3) = (table[i - 1], table[i], table[i + 1], table[i + 2]);
    // Lagrange form through the points at x = -1, 0, 1, 2.
    let ln_t = -p0 * x * (x - 1.0) * (x - 2.0) / 6.0 + p1 * (x + 1.0) * (x - 1.0) * (x - 2.0) / 2.0
        - p2 * (x + 1.0) * x * (x - 2.0) / 2.0
        + p3 * (x + 1.0) * x * (x - 1.0) / 6.0;
    ln_t.exp()
}

const QUANTILE_STEPS: usize = 4096;

/// `ln t95(1/u)` at `u = k / QUANTILE_STEPS`, `k = 0..=QUANTILE_STEPS + 1`
/// (`u = 0` is the normal limit; the point past `u = 1` keeps the cubic
/// defined up to `df = 1`).
fn quantile_table() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=QUANTILE_STEPS + 1)
            .map(|k| {
                if k == 0 {
                    z95().ln()
                } else {
                    t_quantile(QUANTILE_STEPS as f64 / k as f64).ln()
                }
            })
            .collect()
    })
}

fn t_quantile(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn scaled(self, factor: f64) -> Interval {
        Interval {
            low: self.low * factor,
            high: self.high * factor,
        }
    }
}

/// The Wilson score interval for `successes` out of `n`; `None` when `n == 0`.
pub fn wilson(successes: f64, n: f64) -> Option<Interval> {
    if n <= 0.0 {
        return None;
    }
    let z = z95();
    let p = successes / n;
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// Newcombe's hybrid score interval for `p1 − p2` (method 10 of Newcombe
/// 1998); `None` when either side is empty.
pub fn newcombe(successes1: f64, n1: f64, successes2: f64, n2: f64) -> Option<Interval> {
    let (w1, w2) = (wilson(successes1, n1)?, wilson(successes2, n2)?);
    let (p1, p2) = (successes1 / n1, successes2 / n2);
    let difference = p1 - p2;
    Some(Interval {
        low: difference - ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt(),
        high: difference + ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt(),
    })
}

/// The MOVER interval of a difference of two estimates from their own
/// intervals (Zou and Donner 2008, "Construction of confidence limits about
/// effect measures: a general approach"): for `a − b`,
/// lower = `a − b − √((a − a_low)² + (b_high − b)²)`,
/// upper = `a − b + √((a_high − a)² + (b − b_low)²)`.
/// Newcombe's hybrid score interval is this with Wilson intervals.
pub fn mover(a: f64, a_interval: Interval, b: f64, b_interval: Interval) -> Interval {
    let difference = a - b;
    Interval {
        low: difference - ((a - a_interval.low).powi(2) + (b_interval.high - b).powi(2)).sqrt(),
        high: difference + ((a_interval.high - a).powi(2) + (b - b_interval.low).powi(2)).sqrt(),
    }
}

/// Student's t interval for a mean from its sample variance; `None` when
/// `n < 2`.
pub fn t_interval(mean: f64, variance: f64, n: f64) -> Option<Interval> {
    if n < 2.0 {
        return None;
    }
    let half = t95(n - 1.0) * (variance / n).sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
    })
}

/// A mean's interval with a known SD, as DfE gives progress scores:
/// `mean ± z × sd / √n`; `None` for `n = 0`.
pub fn z_interval(mean: f64, sd: f64, n: f64) -> Option<Interval> {
    if !(n >= 1.0) {
        return None;
    }
    let half = z95() * sd / n.sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
    })
}

/// Welch's interval for `mean1 − mean2`; `None` unless both sides have
/// `n >= 2`. When both samples have no spread the interval is the point.
pub fn welch(
    mean1: f64,
    variance1: f64,
    n1: f64,
    mean2: f64,
    variance2: f64,
    n2: f64,
) -> Option<Interval> {
    if n1 < 2.0 || n2 < 2.0 {
        return None;
    }
    let difference = mean1 - mean2;
    let (v1, v2) = (variance1 / n1, variance2 / n2);
    let standard_error = (v1 + v2).sqrt();
    if standard_error == 0.0 {
        return Some(Interval {
            low: difference,
            high: difference,
        });
    }
    let df = (v1 + v2).powi(2) / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    let half = t95(df) * standard_error;
    Some(Interval {
        low: difference - half,
        high: difference + half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not {expected} ± {tolerance}"
        );
    }

    #[test]
    fn z_is_exact() {
        close(z95(), 1.959963984540054, 1e-12);
    }

    #[test]
    fn wilson_matches_newcombe_1998_table_1() {
        // Newcombe (1998a), "Two-sided confidence intervals for the single
        // proportion", Table I, method 3 (score): 81/263 -> 0.2553 to 0.3662;
        // 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
        let cases = [
            (81.0, 263.0, 0.2553, 0.3662),
            (15.0, 148.0, 0.0624, 0.1605),
            (0.0, 20.0, 0.0, 0.1611),
            (1.0, 29.0, 0.0061, 0.1718),
        ];
        for (x, n, low, high) in cases {
            let interval = wilson(x, n).unwrap();
            close(interval.low, low, 5e-5);
            close(interval.high, high, 5e-5);
        }
        assert!(wilson(0.0, 0.0).is_none());
        let all = wilson(10.0, 10.0).unwrap();
        assert_eq!(all.high, 1.0);
        assert!(all.low > 0.69 && all.low < 0.73);
    }

    #[test]
    fn mover_with_wilson_intervals_is_newcombe() {
        // Zou and Donner's general construction reproduces Newcombe's
        // method 10 (56/70 − 48/80: 0.0524 to 0.3339) from the two Wilson
        // intervals, which is how trends build the interval of a gap's change.
        let (a, b) = (56.0 / 70.0, 48.0 / 80.0);
        let interval = mover(
            a,
            wilson(56.0, 70.0).unwrap(),
            b,
            wilson(48.0, 80.0).unwrap(),
        );
        close(interval.low, 0.0524, 5e-5);
        close(interval.high, 0.3339, 5e-5);
    }

    #[test]
    fn newcombe_matches_newcombe_1998_method_10() {
        // Newcombe (1998b), "Interval estimation for the difference between
        // independent proportions", Table II, method 10.
        let a = newcombe(56.0, 70.0, 48.0, 80.0).unwrap();
        close(a.low, 0.0524, 5e-5);
        close(a.high, 0.3339, 5e-5);
        let b = newcombe(9.0, 10.0, 3.0, 10.0).unwrap();
        close(b.low, 0.1705, 5e-5);
        close(b.high, 0.8090, 5e-5);
        let c = newcombe(5.0, 56.0, 0.0, 29.0).unwrap();
        close(c.low, -0.0381, 5e-5);
        close(c.high, 0.1926, 5e-5);
        assert!(newcombe(1.0, 0.0, 1.0, 2.0).is_none());
    }

    #[test]
    fn t_interval_matches_a_textbook_example() {
        // n = 10, mean 5, sd 1: t(0.975, 9) = 2.262157; half-width 0.715357.
        let interval = t_interval(5.0, 1.0, 10.0).unwrap();
        close(interval.low, 5.0 - 0.715357, 1e-6);
        close(t95(9.0), 2.262157, 1e-6);
        close(t95(9.5), t_quantile(9.5), 1e-10);
        assert!(t_interval(5.0, 0.0, 1.0).is_none());
    }

    #[test]
    fn interpolated_quantiles_match_statrs_and_the_large_df_expansion() {
        let relative = |a: f64, b: f64| (a - b).abs() / b;
        let mut worst: f64 = 0.0;
        let mut df = 1.0;
        while df < 5000.0 {
            worst = worst.max(relative(t95(df), t_quantile(df)));
            df *= 1.000_37;
        }
        for whole in 1..5000 {
            worst = worst.max(relative(t95(whole as f64), t_quantile(whole as f64)));
        }
        assert!(
            worst < 1e-11,
            "against statrs: worst relative error {worst:e}"
        );
        // Past a few thousand df statrs' inversion loses accuracy (it gives
        // 1.8266 at 10⁷ df); the Cornish–Fisher expansion is exact to 1e-13 there.
        let z = z95();
        let expansion = |v: f64| {
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * v.powi(3))
        };
        let mut worst: f64 = 0.0;
        let mut df = 5000.0;
        while df < 1e9 {
            worst = worst.max(relative(t95(df), expansion(df)));
            df *= 1.001;
        }
        assert!(
            worst < 1e-11,
            "against the expansion: worst relative error {worst:e}"
        );
    }

    #[test]
    fn welch_matches_a_worked_example() {
        // Two samples: mean 20, var 4, n 10 vs mean 18, var 9, n 15.
        // se = sqrt(0.4 + 0.6) = 1; df = 1 / (0.16/9 + 0.36/14) = 22.98...
        let interval = welch(20.0, 4.0, 10.0, 18.0, 9.0, 15.0).unwrap();
        let df = 1.0 / (0.16 / 9.0 + 0.36 / 14.0);
        let t = t_quantile(df);
        close(t, 2.0687, 1e-3);
        close(interval.low, 2.0 - t, 1e-12);
        close(interval.high, 2.0 + t, 1e-12);
        assert!(welch(1.0, 1.0, 1.0, 1.0, 1.0, 5.0).is_none());
        assert_eq!(
            welch(3.0, 0.0, 4.0, 1.0, 0.0, 4.0).unwrap(),
            Interval {
                low: 2.0,
                high: 2.0
            }
        );
    }
}
