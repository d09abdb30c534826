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
pub fn t95(df: f64) -> f64 {
    // Whole-number degrees of freedom (every one-sample interval) repeat
    // endlessly across schools, and statrs inverts the t CDF numerically, so
    // they are remembered; Welch's fractional df are computed each time.
    const CACHED: usize = 4096;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    if df.fract() == 0.0 && df >= 1.0 && (df as usize) < CACHED {
        let table = TABLE.get_or_init(|| {
            (0..CACHED)
                .map(|d| {
                    if d == 0 {
                        f64::NAN
                    } else {
                        t_quantile(d as f64)
                    }
                })
                .collect()
        });
        return table[df as usize];
    }
    t_quantile(df)
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
        close(t95(9.5), t_quantile(9.5), 0.0);
        assert!(t_interval(5.0, 0.0, 1.0).is_none());
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
