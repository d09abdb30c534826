//! DfE's disadvantage gap index, for England, every LA and every school.
//!
//! DfE publishes the index for England only. It ranks every pupil
//! nationally and compares the mean rank of disadvantaged pupils with that
//! of the others:
//!
//! * **KS2**: the pupils with both a reading and a maths scaled score. Each
//!   pupil's percentile rank in a subject is their mid-rank among those
//!   pupils (tied pupils share the average of their ranks) divided by their
//!   number N; the pupil's score is the mean of the two percentile ranks.
//!   Pupils without both scores (absent, working below the test, missing)
//!   are left out: DfE's treatment of them is unconfirmed, and leaving them
//!   out follows DfE's statement that only pupils with valid scores are
//!   ranked.
//! * **KS4**: the pupils with both an English and a maths grade; the score is
//!   the mean of the two grades.
//!
//! The scores are ranked again (mid-ranks) and divided by N, and
//! `gap_index = 20 × (mean normalised rank of other pupils − mean
//! normalised rank of disadvantaged pupils)`: 0 is no gap, 10 total
//! separation. Ranks are always national: the whole file given is taken as
//! the nation, year by year, and an LA's or a school's index compares the
//! national positions of its own disadvantaged and other pupils. A unit
//! without disadvantaged or without other pupils has no index; one with
//! fewer than the minimum cohort on either side is withheld, and so is a
//! parent whose index would give a withheld child's away
//! (see `withhold_determined_parents`).
//!
//! Columns ([`crate::schema::GAP_INDEX_COLUMNS`]): `phase, year, level,
//! unit, gap_index, n_disadvantaged, n_other, suppressed`.

use std::path::Path;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::geography::{Level, Unit};
use crate::phase::Phase;
use crate::pupils::{read_files, Outcome, PupilTable, CHUNK_ROWS};
use crate::schema::Categories;
use crate::suppression::Suppression;

/// The pupils the index ranks: where each is and their score.
#[derive(Debug, Default)]
struct Ranked {
    year: Vec<u16>,
    la_code: Vec<u16>,
    urn: Vec<u32>,
    disadvantaged: Vec<bool>,
    /// KS2: reading and maths scores; KS4: English and maths grades.
    first: Vec<f64>,
    second: Vec<f64>,
}

impl Ranked {
    fn add(&mut self, pupils: &PupilTable) -> Result<()> {
        let (first, second) = match pupils.phase {
            Phase::Ks2 => ("ks2_read", "ks2_mat"),
            Phase::Ks4 => ("eng_grade", "mat_grade"),
            other => {
                return Err(Error::Usage(format!(
                    "the disadvantage gap index is for ks2 and ks4, not {other}"
                )))
            }
        };
        let column = |name: &str| match pupils.outcome(name) {
            Some(Outcome::Number(values)) => Ok(values),
            _ => Err(Error::invalid(
                &pupils.source,
                Some(1),
                Some(name),
                None,
                format!("a {name} column: the gap index ranks pupils by it"),
            )),
        };
        let (a, b) = (column(first)?, column(second)?);
        for row in 0..pupils.len() {
            if a[row].is_nan() || b[row].is_nan() {
                continue;
            }
            self.year.push(pupils.year[row]);
            self.la_code.push(pupils.la_code[row]);
            self.urn.push(pupils.urn[row]);
            self.disadvantaged.push(pupils.profile[row].disadvantaged());
            self.first.push(a[row]);
            self.second.push(b[row]);
        }
        Ok(())
    }
}

/// Each value's mid-rank among `values` (1-based; ties share the average of
/// their ranks), divided by their number.
pub fn normalised_mid_ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    mid_ranks(values).into_iter().map(|r| r / n).collect()
}

/// Each value's mid-rank among `values` (1-based; ties share the average of
/// their ranks): whole or half numbers, exact in `f64`.
pub fn mid_ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let mid = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mid;
        }
        start = end;
    }
    ranks
}

/// The index from normalised ranks of disadvantaged and other pupils.
pub fn index(disadvantaged: (f64, u64), other: (f64, u64)) -> Option<f64> {
    let ((dis_sum, dis_n), (other_sum, other_n)) = (disadvantaged, other);
    (dis_n > 0 && other_n > 0).then(|| 20.0 * (other_sum / other_n as f64 - dis_sum / dis_n as f64))
}

/// A unit's national ranks: sums and counts of its disadvantaged and other
/// pupils.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    dis_sum: f64,
    dis_n: u64,
    other_sum: f64,
    other_n: u64,
    withheld: bool,
}

impl Tally {
    fn add(&mut self, disadvantaged: bool, rank: f64) {
        if disadvantaged {
            self.dis_sum += rank;
            self.dis_n += 1;
        } else {
            self.other_sum += rank;
            self.other_n += 1;
        }
    }

    /// Whether this unit holds exactly `parent`'s share of disadvantaged
    /// pupils (compared in whole numbers).
    fn same_share_as(&self, parent: &Tally) -> bool {
        self.dis_n as u128 * parent.other_n as u128 == self.other_n as u128 * parent.dis_n as u128
    }
}

/// Secondary suppression for the index. A parent's index (an LA over its
/// schools, England over its LAs or its schools) mixes its children's mean
/// ranks, the disadvantaged ones weighted by each child's share of the
/// parent's disadvantaged pupils and the others by its share of the other
/// pupils. Where those weights differ, each shown child leaves one unknown
/// free and a withheld child's index cannot be worked out. Where every child
/// holds exactly the parent's share of disadvantaged pupils, the weights
/// agree, the parent's index is the children's mean weighted by pupils, and
/// a withheld child would follow from it: there the parent is withheld too.
fn withhold_determined_parents(
    tallies: &mut FxHashMap<(Level, Unit), Tally>,
    schools_of_la: &FxHashMap<Unit, Vec<Unit>>,
    levels: &[Level],
) {
    let written = |level| levels.contains(&level);
    let determined = |tallies: &FxHashMap<(Level, Unit), Tally>,
                      parent: (Level, Unit),
                      children: &[(Level, Unit)]| {
        let parent = tallies[&parent];
        !parent.withheld
            && children.iter().any(|child| {
                let child = tallies[child];
                child.withheld && child.dis_n > 0 && child.other_n > 0
            })
            && children
                .iter()
                .all(|child| tallies[child].same_share_as(&parent))
    };
    let mut las: Vec<Unit> = schools_of_la.keys().copied().collect();
    las.sort_unstable();
    if written(Level::La) && written(Level::School) {
        for &la in &las {
            let schools: Vec<(Level, Unit)> = schools_of_la[&la]
                .iter()
                .map(|&s| (Level::School, s))
                .collect();
            if determined(tallies, (Level::La, la), &schools) {
                tallies.get_mut(&(Level::La, la)).unwrap().withheld = true;
            }
        }
    }
    if written(Level::National) {
        let england = (Level::National, Unit::England);
        for (level, units) in [
            (Level::La, las.clone()),
            (
                Level::School,
                schools_of_la
                    .values()
                    .flatten()
                    .copied()
                    .collect::<Vec<_>>(),
            ),
        ] {
            let children: Vec<(Level, Unit)> = units.into_iter().map(|u| (level, u)).collect();
            if written(level) && determined(tallies, england, &children) {
                tallies.get_mut(&england).unwrap().withheld = true;
            }
        }
    }
}

/// The gap index table of pupil files of one phase (KS2 or KS4).
pub fn gap_index(
    paths: &[impl AsRef<Path>],
    phase: Option<Phase>,
    levels: &[Level],
    suppression: Suppression,
) -> Result<DataFrame> {
    let mut ranked = Ranked::default();
    // Pupils repeated across the files are refused, as for the gap table.
    let phase = read_files(paths, phase, CHUNK_ROWS, |chunk| ranked.add(&chunk))?;
    from_ranked(phase, &ranked, levels, suppression)
}

/// The gap index table of a pupil table.
pub fn gap_index_of(
    pupils: &PupilTable,
    levels: &[Level],
    suppression: Suppression,
) -> Result<DataFrame> {
    let mut ranked = Ranked::default();
    ranked.add(pupils)?;
    from_ranked(pupils.phase, &ranked, levels, suppression)
}

fn from_ranked(
    phase: Phase,
    ranked: &Ranked,
    levels: &[Level],
    suppression: Suppression,
) -> Result<DataFrame> {
    if let Some(level) = levels
        .iter()
        .find(|l| !matches!(l, Level::National | Level::La | Level::School))
    {
        return Err(Error::Usage(format!(
            "the gap index has the levels national, la and school, not {level}"
        )));
    }
    let mut years: Vec<u16> = ranked.year.clone();
    years.sort_unstable();
    years.dedup();
    let mut out_year = Vec::new();
    let mut out_level = Vec::new();
    let mut out_unit = Vec::new();
    let mut out_index = Vec::new();
    let mut out_dis = Vec::new();
    let mut out_other = Vec::new();
    let mut out_suppressed = Vec::new();
    for year in years {
        let rows: Vec<usize> = (0..ranked.year.len())
            .filter(|&i| ranked.year[i] == year)
            .collect();
        let pick = |values: &[f64]| rows.iter().map(|&i| values[i]).collect::<Vec<f64>>();
        let scores: Vec<f64> = match phase {
            // The mean of the two subjects' percentile ranks orders pupils
            // as the sum of their mid-ranks does (N is shared); the sum is
            // exact, so pupils whose ranks sum alike tie, as they should,
            // where the means could differ in the last bit.
            Phase::Ks2 => mid_ranks(&pick(&ranked.first))
                .iter()
                .zip(mid_ranks(&pick(&ranked.second)))
                .map(|(a, b)| a + b)
                .collect(),
            _ => pick(&ranked.first)
                .iter()
                .zip(pick(&ranked.second))
                .map(|(a, b)| (a + b) / 2.0)
                .collect(),
        };
        let ranks = normalised_mid_ranks(&scores);
        // Every level is summed, whichever are written, so that the
        // relations between the written ones can be checked.
        let mut tallies: FxHashMap<(Level, Unit), Tally> = FxHashMap::default();
        let mut schools_of_la: FxHashMap<Unit, Vec<Unit>> = FxHashMap::default();
        for (position, &i) in rows.iter().enumerate() {
            let (la, school) = (Unit::La(ranked.la_code[i]), Unit::School(ranked.urn[i]));
            for key in [
                (Level::National, Unit::England),
                (Level::La, la),
                (Level::School, school),
            ] {
                tallies
                    .entry(key)
                    .or_default()
                    .add(ranked.disadvantaged[i], ranks[position]);
            }
            let schools = schools_of_la.entry(la).or_default();
            if schools.last() != Some(&school) && !schools.contains(&school) {
                schools.push(school);
            }
        }
        for tally in tallies.values_mut() {
            tally.withheld =
                suppression.withholds(tally.dis_n) || suppression.withholds(tally.other_n);
        }
        withhold_determined_parents(&mut tallies, &schools_of_la, levels);
        let mut written: Vec<(&(Level, Unit), &Tally)> = tallies
            .iter()
            .filter(|((level, _), _)| levels.contains(level))
            .collect();
        written.sort_unstable_by_key(|((level, unit), _)| {
            (levels.iter().position(|l| l == level), *unit)
        });
        for (&(level, unit), tally) in written {
            out_year.push(year as i32);
            out_level.push(level as u8);
            out_unit.push(unit);
            out_index.push(
                index(
                    (tally.dis_sum, tally.dis_n),
                    (tally.other_sum, tally.other_n),
                )
                .filter(|_| !tally.withheld),
            );
            out_dis.push(tally.dis_n as i64);
            out_other.push(tally.other_n as i64);
            out_suppressed.push(tally.withheld);
        }
    }
    let rows = out_year.len();
    let enum_column = |name: &str, codes: Vec<u8>, categories: Categories| -> Column {
        let codes = UInt8Chunked::from_vec(name.into(), codes);
        // Safety: the codes are positions in the categories' names.
        unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(codes, categories.dtype()) }
            .into_series()
            .into_column()
    };
    let columns = vec![
        enum_column("phase", vec![phase as u8; rows], Categories::Phase),
        Int32Chunked::from_vec("year".into(), out_year).into_column(),
        enum_column("level", out_level, Categories::Level),
        crate::schema::unit_column("unit", &out_unit, None),
        Column::new("gap_index".into(), out_index),
        Column::new("n_disadvantaged".into(), out_dis),
        Column::new("n_other".into(), out_other),
        Column::new("suppressed".into(), out_suppressed),
    ];
    DataFrame::new(rows, columns).map_err(|e| Error::table("gap index", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_ranks_share_ties() {
        assert_eq!(
            normalised_mid_ranks(&[10.0, 20.0, 20.0, 30.0]),
            vec![0.25, 0.625, 0.625, 1.0]
        );
        assert_eq!(normalised_mid_ranks(&[5.0; 4]), vec![0.625; 4]);
    }

    #[test]
    fn no_gap_is_zero_and_total_separation_is_ten() {
        // Disadvantaged pupils ranked 1..D, the others D+1..N: 10 exactly.
        let ranks = normalised_mid_ranks(&(1..=10).map(f64::from).collect::<Vec<_>>());
        let (dis, other) = ranks.split_at(4);
        let sum = |r: &[f64]| (r.iter().sum::<f64>(), r.len() as u64);
        assert!((index(sum(dis), sum(other)).unwrap() - 10.0).abs() < 1e-12);
        // The same scores on both sides (each tie split between them): 0.
        let same = normalised_mid_ranks(&[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        let dis: Vec<f64> = same.iter().step_by(2).copied().collect();
        let other: Vec<f64> = same.iter().skip(1).step_by(2).copied().collect();
        assert_eq!(index(sum(&dis), sum(&other)), Some(0.0));
        // One place apart all the way up: 20 × (1/N) = 2 for N = 10.
        let dis: Vec<f64> = ranks.iter().step_by(2).copied().collect();
        let other: Vec<f64> = ranks.iter().skip(1).step_by(2).copied().collect();
        assert!((index(sum(&dis), sum(&other)).unwrap() - 2.0).abs() < 1e-12);
        // Everyone tied: 0.
        let tied = normalised_mid_ranks(&[7.0; 6]);
        assert_eq!(index(sum(&tied[..2]), sum(&tied[2..])), Some(0.0));
        // KS2 scores are sums of mid-ranks, exact: pupils whose ranks sum
        // alike tie (reading 1, 2, 3 against maths 3, 2, 1 puts all three
        // level), where means of fractions could differ in the last bit.
        let scores: Vec<f64> = mid_ranks(&[1.0, 2.0, 3.0])
            .iter()
            .zip(mid_ranks(&[3.0, 2.0, 1.0]))
            .map(|(a, b)| a + b)
            .collect();
        assert_eq!(normalised_mid_ranks(&scores), vec![2.0 / 3.0; 3]);
        // No disadvantaged pupils: no index.
        assert_eq!(index((0.0, 0), (1.0, 2)), None);
    }

    /// Two schools of one LA, `(disadvantaged, other)` pupils each, graded
    /// so that ranks spread.
    fn two_schools_ranked(first: (u32, u32), second: (u32, u32)) -> Ranked {
        let mut ranked = Ranked::default();
        for (urn, (dis, other)) in [(100_001, first), (100_002, second)] {
            for pupil in 0..dis + other {
                ranked.year.push(2024);
                ranked.la_code.push(883);
                ranked.urn.push(urn);
                ranked.disadvantaged.push(pupil < dis);
                ranked.first.push(f64::from((pupil * 7 + urn) % 10));
                ranked.second.push(f64::from((pupil * 3) % 10));
            }
        }
        ranked
    }

    /// The table at every level, minimum cohort 6.
    fn two_schools(first: (u32, u32), second: (u32, u32)) -> DataFrame {
        let levels = [Level::National, Level::La, Level::School];
        let ranked = two_schools_ranked(first, second);
        from_ranked(Phase::Ks4, &ranked, &levels, Suppression { min_cohort: 6 }).unwrap()
    }

    fn withheld(table: &DataFrame) -> Vec<bool> {
        table
            .column("suppressed")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    }

    #[test]
    fn a_parent_that_would_give_a_withheld_child_away_is_withheld() {
        // Both schools a quarter disadvantaged: the LA's index is the
        // schools' mean weighted by pupils, so with the second school's
        // shown it would give the first's. The LA, and England (the LA's
        // pupils again), are withheld with it.
        assert_eq!(
            withheld(&two_schools((3, 9), (10, 30))),
            [true, true, true, false]
        );
        // Why: unsuppressed, the LA's index is the schools' weighted by pupils.
        let ranked = two_schools_ranked((3, 9), (10, 30));
        let all = from_ranked(
            Phase::Ks4,
            &ranked,
            &[Level::La, Level::School],
            Suppression { min_cohort: 0 },
        )
        .unwrap();
        let index: Vec<f64> = all
            .column("gap_index")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        assert!(
            (index[0] - (12.0 * index[1] + 40.0 * index[2]) / 52.0).abs() < 1e-12,
            "{index:?}"
        );
        // Shares that differ leave the first school's index undetermined.
        assert_eq!(
            withheld(&two_schools((3, 9), (11, 30))),
            [false, false, true, false]
        );
    }
}
