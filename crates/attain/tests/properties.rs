//! Property tests: intervals contain their estimates and stay within what
//! is possible; gaps are antisymmetric; the gap table, disclosure control
//! included, does not depend on the order of the pupils.

use attain::stats::{newcombe, t_interval, welch, wilson, z_interval};
use attain::{GapOptions, MeasureKind, National, Summary};
use proptest::prelude::*;

const EPS: f64 = 1e-9;

fn rate(k: u64, n: u64) -> Summary {
    Summary {
        cohort: n,
        with_value: n,
        sum: k as f64,
        sum_sq: k as f64,
    }
}

fn mean(values: &[f64]) -> Summary {
    let mut s = Summary::default();
    for v in values {
        s.add(*v);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn wilson_holds_its_rate_within_0_and_1((n, k) in (1u64..2000).prop_flat_map(|n| (Just(n), 0..=n))) {
        let i = wilson(k as f64, n as f64).unwrap();
        let p = k as f64 / n as f64;
        prop_assert!(i.low <= p + EPS && p <= i.high + EPS, "{i:?} {p}");
        prop_assert!(i.low >= -EPS && i.high <= 1.0 + EPS, "{i:?}");
    }

    #[test]
    fn newcombe_holds_its_difference_within_minus_1_and_1(
        (n1, k1) in (1u64..1000).prop_flat_map(|n| (Just(n), 0..=n)),
        (n2, k2) in (1u64..1000).prop_flat_map(|n| (Just(n), 0..=n)),
    ) {
        let i = newcombe(k1 as f64, n1 as f64, k2 as f64, n2 as f64).unwrap();
        let d = k1 as f64 / n1 as f64 - k2 as f64 / n2 as f64;
        prop_assert!(i.low <= d + EPS && d <= i.high + EPS, "{i:?} {d}");
        prop_assert!(i.low >= -1.0 - EPS && i.high <= 1.0 + EPS, "{i:?}");
        // Antisymmetric: the other way round is the mirror image.
        let j = newcombe(k2 as f64, n2 as f64, k1 as f64, n1 as f64).unwrap();
        prop_assert!((i.low + j.high).abs() < 1e-12 && (i.high + j.low).abs() < 1e-12);
    }

    #[test]
    fn mean_intervals_hold_their_means(
        a in prop::collection::vec(80.0f64..120.0, 2..60),
        b in prop::collection::vec(80.0f64..120.0, 2..60),
        sd in 0.01f64..20.0,
    ) {
        let (sa, sb) = (mean(&a), mean(&b));
        let (ma, mb) = (sa.value(MeasureKind::Mean).unwrap(), sb.value(MeasureKind::Mean).unwrap());
        let t = t_interval(ma, sa.variance().unwrap(), a.len() as f64).unwrap();
        prop_assert!(t.low <= ma + EPS && ma <= t.high + EPS);
        let z = z_interval(ma, sd, a.len() as f64).unwrap();
        prop_assert!(z.low < ma && ma < z.high);
        let w = welch(ma, sa.variance().unwrap(), a.len() as f64, mb, sb.variance().unwrap(), b.len() as f64).unwrap();
        prop_assert!(w.low <= ma - mb + EPS && ma - mb <= w.high + EPS);
        // Gaps are antisymmetric, intervals too.
        let back = sb.difference_interval(&sa, MeasureKind::Mean).unwrap();
        let there = sa.difference_interval(&sb, MeasureKind::Mean).unwrap();
        prop_assert!((there.low + back.high).abs() < 1e-9 && (there.high + back.low).abs() < 1e-9);
    }

    #[test]
    fn rate_gaps_are_antisymmetric(
        (n1, k1) in (1u64..500).prop_flat_map(|n| (Just(n), 0..=n)),
        (n2, k2) in (1u64..500).prop_flat_map(|n| (Just(n), 0..=n)),
    ) {
        let (a, b) = (rate(k1, n1), rate(k2, n2));
        let there = a.difference_interval(&b, MeasureKind::Rate).unwrap();
        let back = b.difference_interval(&a, MeasureKind::Rate).unwrap();
        prop_assert!((there.low + back.high).abs() < 1e-9 && (there.high + back.low).abs() < 1e-9);
        let gap = a.value(MeasureKind::Rate).unwrap() - b.value(MeasureKind::Rate).unwrap();
        prop_assert!(there.low <= gap + 1e-7 && gap <= there.high + 1e-7);
        let interval = a.interval(MeasureKind::Rate).unwrap();
        prop_assert!(interval.low >= -1e-7 && interval.high <= 100.0 + 1e-7);
    }
}

/// A small random EYFS cohort: (school, disadvantaged, fsm, sen, cla, gld).
fn cohort_csv(pupils: &[(u8, bool, bool, u8, bool, bool)], order: &[usize]) -> String {
    let mut csv = String::from("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n");
    for &i in order {
        let (school, disadvantaged, fsm, sen, cla, gld) = pupils[i];
        csv += &format!(
            "p{i},2024,{},{},{},{},{},{},{}\n",
            100_001 + school as u32,
            if school < 3 { 883 } else { 845 },
            fsm,
            disadvantaged || fsm,
            ["N", "K", "E"][sen as usize],
            cla,
            gld
        );
    }
    csv
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn suppression_does_not_depend_on_row_order(
        pupils in prop::collection::vec((0u8..5, any::<bool>(), any::<bool>(), 0u8..3, prop::bool::weighted(0.05), any::<bool>()), 20..120),
        seed in any::<u64>(),
    ) {
        let order: Vec<usize> = (0..pupils.len()).collect();
        let mut shuffled = order.clone();
        // A seeded Fisher–Yates shuffle.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let table = |order: &[usize]| {
            let pupils = attain::pupils::read_csv_from(cohort_csv(&pupils, order).as_bytes(), "cohort", None).unwrap();
            attain::gaps(&pupils, &National::Local, &GapOptions::default()).unwrap()
        };
        let (a, b) = (table(&order), table(&shuffled));
        prop_assert!(a.equals_missing(&b), "the table changed with the order of the pupils");
    }
}
