//! Property tests: intervals contain their estimates and stay within what
//! is possible; gaps are antisymmetric; the gap table, disclosure control
//! included, does not depend on the order of the pupils; school summaries
//! merged equal the LA summarised from its pupils; and the table does not
//! depend on chunk size or thread count.

use attain::stats::{newcombe, t_interval, welch, wilson, z_interval};
use attain::{GapOptions, MeasureKind, National, Summary};
use polars::prelude::*;
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

/// A small random KS4 cohort:
/// (school, disadvantaged, fsm, sen, cla, att8 half-points, English, maths, KS2 prior half-points).
type Ks4Pupil = (u8, bool, bool, u8, bool, u8, u8, u8, u8);

fn ks4_pupil() -> impl Strategy<Value = Ks4Pupil> {
    (
        0u8..6,
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        prop::bool::weighted(0.05),
        0u8..=180,
        0u8..=9,
        0u8..=9,
        160u8..=240,
    )
}

fn ks4_csv(pupils: &[Ks4Pupil], rows: impl Iterator<Item = usize>) -> String {
    let mut csv = String::from(
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade,ks2_prior\n",
    );
    for i in rows {
        let (school, disadvantaged, fsm, sen, cla, att8, english, maths, prior) = pupils[i];
        csv += &format!(
            "p{i},{},{},{},{fsm},{},{},{cla},{},{english},{maths},{}\n",
            2022 + (i % 3),
            100_001 + school as u32,
            if school < 4 { 883 } else { 845 },
            disadvantaged || fsm,
            ["N", "K", "E"][sen as usize],
            att8 as f64 / 2.0,
            prior as f64 / 2.0
        );
    }
    csv
}

fn ks4_options() -> GapOptions {
    let mut options = GapOptions::default();
    options.progress.estimates = Some(std::sync::Arc::new(attain::Estimates::dfe()));
    options
}

fn summarise_csv(csv: &str) -> attain::Summaries {
    let pupils = attain::pupils::read_csv_from(csv.as_bytes(), "cohort", None).unwrap();
    attain::summarise(&pupils, &attain::Estimates::dfe())
}

/// Progress scores are not whole numbers, so sums added in another order
/// may differ in their last bits; counts must agree exactly.
fn same_summaries(
    whole: &attain::Summaries,
    other: &attain::Summaries,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(whole.cells.len(), other.cells.len());
    let width = whole.measures.len();
    let index = other.cell_index();
    for (cell, stats) in whole.cells.iter().zip(whole.stats.chunks(width)) {
        let at = index.get(cell).copied();
        prop_assert!(at.is_some(), "cell {:?} is missing", cell);
        for (a, b) in stats.iter().zip(other.of_cell(at.unwrap())) {
            prop_assert_eq!(a.cohort, b.cohort);
            prop_assert_eq!(a.with_value, b.with_value);
            prop_assert!(
                (a.sum - b.sum).abs() <= 1e-9 * a.sum.abs().max(1.0),
                "{} vs {}",
                a.sum,
                b.sum
            );
            prop_assert!((a.sum_sq - b.sum_sq).abs() <= 1e-9 * a.sum_sq.abs().max(1.0));
        }
    }
    Ok(())
}

/// Two gap tables with the same rows and the same figures, floating-point
/// columns to within rounding in their last bits.
fn same_table(a: &DataFrame, b: &DataFrame) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.shape(), b.shape());
    for (left, right) in a.columns().iter().zip(b.columns()) {
        prop_assert_eq!(left.name(), right.name());
        if left.dtype() == &DataType::Float64 {
            let (left, right) = (left.f64().unwrap(), right.f64().unwrap());
            for (x, y) in left.iter().zip(right.iter()) {
                match (x, y) {
                    (Some(x), Some(y)) => prop_assert!(
                        (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                        "{}: {} vs {}",
                        left.name(),
                        x,
                        y
                    ),
                    (x, y) => prop_assert_eq!(x.is_some(), y.is_some(), "{}", left.name()),
                }
            }
        } else {
            prop_assert!(
                left.as_materialized_series()
                    .equals_missing(right.as_materialized_series()),
                "column {} differs",
                left.name()
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Each school summarised on its own, the summaries merged in any order,
    /// equal the LA summarised from all its pupils at once, and give the same
    /// gap table (Progress 8 included).
    #[test]
    fn school_summaries_merged_equal_the_la_from_its_pupils(
        pupils in prop::collection::vec(ks4_pupil(), 10..150),
        order in prop::collection::vec(any::<u8>(), 6),
    ) {
        let whole = summarise_csv(&ks4_csv(&pupils, 0..pupils.len()));
        let mut schools: Vec<u8> = (0..6).collect();
        schools.sort_by_key(|&s| order[s as usize]);
        let mut merged: Option<attain::Summaries> = None;
        for school in schools {
            let rows: Vec<usize> = (0..pupils.len()).filter(|&i| pupils[i].0 == school).collect();
            if rows.is_empty() {
                continue;
            }
            let part = summarise_csv(&ks4_csv(&pupils, rows.into_iter()));
            match &mut merged {
                Some(total) => total.merge(&part),
                None => merged = Some(part),
            }
        }
        let merged = merged.unwrap();
        same_summaries(&whole, &merged)?;
        let options = ks4_options();
        let table = attain::gap_table(&whole, &National::Local, &options).unwrap();
        let p8 = whole.measures.iter().position(|m| m.name == "ks4.p8").unwrap();
        let p8_values = (0..whole.cells.len()).filter(|&c| whole.of_cell(c)[p8].with_value > 0).count();
        prop_assert!(p8_values > 0, "Progress 8 is scored");
        same_table(&table, &attain::gap_table(&merged, &National::Local, &options).unwrap())?;
    }

    /// Read a chunk at a time, of any size, the pupils give the table read whole.
    #[test]
    fn the_table_does_not_depend_on_chunk_size(
        pupils in prop::collection::vec(ks4_pupil(), 10..150),
        chunk_rows in 1usize..160,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ks4.csv");
        let csv = ks4_csv(&pupils, 0..pupils.len());
        std::fs::write(&path, &csv).unwrap();
        let whole = summarise_csv(&csv);
        let chunked = attain::summarise_files(&[&path], None, chunk_rows, &attain::Estimates::dfe()).unwrap();
        same_summaries(&whole, &chunked)?;
        let options = ks4_options();
        same_table(
            &attain::gap_table(&whole, &National::Local, &options).unwrap(),
            &attain::gap_table(&chunked, &National::Local, &options).unwrap(),
        )?;
    }

    /// Attain's own parallel work (rayon) gives the same table, bit for bit,
    /// on one thread as on several. Polars' pool is fixed per process; the CLI
    /// test `the_table_does_not_depend_on_thread_count` varies it.
    #[test]
    fn the_table_does_not_depend_on_thread_count(
        pupils in prop::collection::vec(ks4_pupil(), 10..150),
        threads in 2usize..5,
    ) {
        let csv = ks4_csv(&pupils, 0..pupils.len());
        let options = ks4_options();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| {
                attain::gap_table(&summarise_csv(&csv), &National::Local, &options).unwrap()
            })
        };
        let (one, several) = (run(1), run(threads));
        prop_assert!(one.equals_missing(&several), "the table changed with the number of threads");
    }
}
