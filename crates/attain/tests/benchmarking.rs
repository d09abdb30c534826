//! How do we compare: significance against national with three
//! comparators, national ranks, statistical neighbours pooled (NCER) and
//! averaged (LAIT), a missing neighbour, and LAIT's real all-LA extract.

mod common;

use attain::gaps::Comparison;
use attain::neighbours::Neighbours;
use attain::schema::GapRows;
use attain::{summarise, GapOptions, Group, Level, National, Published, PublishedOptions};
use common::*;

const HEADER: &str = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,phonics_mark";

/// Phonics pupils of six LAs, two schools each, with results that differ
/// by LA and by disadvantage.
fn six_las() -> String {
    let mut csv = format!("{HEADER}\n");
    for (la_index, la) in [881u16, 882, 883, 884, 885, 886].iter().enumerate() {
        for school in 0..2u32 {
            let urn = *la as u32 * 100 + school;
            for i in 0..(40 + 7 * la_index + 3 * school as usize) {
                let disadvantaged = i % 3 == 0;
                let met =
                    (i * (5 + la_index) + school as usize) % 11 < 7 - disadvantaged as usize * 2;
                let mark = if met { 35 } else { 25 };
                csv += &format!(
                    "p{urn}-{i},2024,{urn},{la},{disadvantaged},{disadvantaged},N,false,{mark}\n"
                );
            }
        }
    }
    csv
}

fn table(csv: &str, options: &GapOptions) -> GapRows {
    let summaries = summarise(&load(csv), &attain::Estimates::none());
    GapRows::from_frame(&attain::gap_table(&summaries, &National::Local, options).unwrap()).unwrap()
}

fn find(rows: &GapRows, level: Level, unit: &str, group: Group) -> usize {
    (0..rows.len())
        .find(|&i| rows.level[i] == level && rows.unit[i] == unit && rows.group[i] == group)
        .unwrap_or_else(|| panic!("no {level} {unit} {group} row"))
}

fn model() -> Neighbours {
    // 883's neighbours: four in the data and 999, which is not.
    let text =
        "la_code,rank,neighbour_la_code\n883,1,884\n883,2,881\n883,3,999\n883,4,885\n883,5,882\n";
    Neighbours::read_from(text.as_bytes(), "neighbours.csv").unwrap()
}

#[test]
fn the_neighbour_pool_is_the_neighbours_pupils_as_one_la() {
    let csv = six_las();
    let options = GapOptions::new(Some(vec![Level::La]), &[], 0, None)
        .with_neighbours(Some(model()))
        .with_las(vec![883]);
    let rows = table(&csv, &options);
    // Only 883 is reported, with its neighbours' row beside it.
    assert!(rows.unit.iter().all(|u| u == "883"));
    assert!(rows.level.contains(&Level::Neighbours));

    // By hand: the four neighbours' pupils relabelled as one LA.
    let mut pooled = format!("{HEADER}\n");
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if ["881", "882", "884", "885"].contains(&fields[3]) {
            let mut fields = fields.clone();
            fields[3] = "100";
            pooled += &(fields.join(",") + "\n");
        }
    }
    let by_hand = table(
        &pooled,
        &GapOptions {
            levels: vec![Level::La],
            suppression: attain::Suppression { min_cohort: 0 },
            ..GapOptions::default()
        },
    );
    for group in [Group::All, Group::Disadvantaged] {
        let n = find(&rows, Level::Neighbours, "883", group);
        let h = find(&by_hand, Level::La, "100", group);
        assert_eq!(rows.n_member[n], by_hand.n_member[h]);
        assert_eq!(rows.n_comparison[n], by_hand.n_comparison[h]);
        for (a, b) in [
            (rows.value_member[n], by_hand.value_member[h]),
            (rows.ci_low[n], by_hand.ci_low[h]),
            (rows.ci_high[n], by_hand.ci_high[h]),
            (rows.gap[n], by_hand.gap[h]),
            (rows.gap_ci_low[n], by_hand.gap_ci_low[h]),
            (rows.gap_ci_high[n], by_hand.gap_ci_high[h]),
        ] {
            assert_eq!(a.is_some(), b.is_some(), "{group}");
            if let Some(b) = b {
                close(a, b);
            }
        }
        assert_eq!(rows.neighbours_used[n], Some(4));
    }

    // LAIT's average: the mean of the four neighbours' own LA values.
    let every_la = table(&csv, &GapOptions::new(Some(vec![Level::La]), &[], 0, None));
    for group in [Group::All, Group::Disadvantaged] {
        let values: Vec<f64> = ["881", "882", "884", "885"]
            .iter()
            .map(|la| every_la.value_member[find(&every_la, Level::La, la, group)].unwrap())
            .collect();
        let la = find(&rows, Level::La, "883", group);
        close(
            rows.neighbour_average[la],
            values.iter().sum::<f64>() / values.len() as f64,
        );
        assert_eq!(rows.neighbours_used[la], Some(4));
    }
}

#[test]
fn a_missing_neighbour_is_named() {
    let summaries = summarise(&load(&six_las()), &attain::Estimates::none());
    let national = National::Local;
    let comparison = Comparison::new(&summaries, &national).unwrap();
    let options = GapOptions::new(Some(vec![Level::La]), &[], 0, None)
        .with_neighbours(Some(model()))
        .with_las(vec![883]);
    let notes = comparison.notes(2024, &options);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("883") && notes[0].contains("999") && notes[0].contains("other 4"));
    // An LA the model lacks is said too.
    let options = options.with_las(vec![881]);
    assert!(comparison.notes(2024, &options)[0].contains("not in"));
}

#[test]
fn ranks_and_flags_come_from_the_national_units() {
    let csv = six_las();
    let rows = table(
        &csv,
        &GapOptions::new(
            Some(vec![Level::National, Level::La, Level::School]),
            &[],
            0,
            None,
        ),
    );
    for level in [Level::La, Level::School] {
        let of_level: Vec<usize> = (0..rows.len())
            .filter(|&i| rows.level[i] == level && rows.group[i] == Group::All)
            .collect();
        for &i in &of_level {
            let value = rows.value_member[i].unwrap();
            let better = of_level
                .iter()
                .filter(|&&j| rows.value_member[j].unwrap() > value)
                .count() as u64;
            assert_eq!(rows.national_rank[i], Some(better + 1));
            assert_eq!(rows.national_units[i], Some(of_level.len() as u64));
            let band = |bands: u64| better * bands / of_level.len() as u64;
            match level {
                Level::La => {
                    assert_eq!(
                        rows.national_quartile[i].as_deref(),
                        Some(["A", "B", "C", "D"][band(4) as usize])
                    );
                    assert_eq!(rows.national_quintile[i], None);
                }
                _ => {
                    assert_eq!(rows.national_quintile[i], Some(band(5) + 1));
                    assert_eq!(rows.national_quartile[i], None);
                }
            }
        }
    }
    // The three comparators, against national, on every LA and school row.
    for i in 0..rows.len() {
        if rows.level[i] == Level::National {
            assert_eq!(rows.vs_national_same[i], None);
            assert_eq!(rows.national_rank[i], None);
            continue;
        }
        let flag = |national: Option<f64>| {
            let (low, high, national) = (rows.ci_low[i]?, rows.ci_high[i]?, national?);
            Some(if low > national {
                "above"
            } else if high < national {
                "below"
            } else {
                "in_line"
            })
        };
        assert_eq!(
            rows.vs_national_same[i].as_deref(),
            flag(rows.national_member[i])
        );
        assert_eq!(
            rows.vs_national_other[i].as_deref(),
            flag(rows.national_comparison[i])
        );
        assert_eq!(
            rows.vs_national_all[i].as_deref(),
            flag(rows.national_all[i])
        );
    }
    // With only a reference table of national figures there is nothing to
    // rank against.
    let summaries = summarise(&load(&csv), &attain::Estimates::none());
    let reference = attain::NationalFigures::from_summaries(&summaries);
    let frame = attain::gap_table(
        &summaries,
        &National::Reference(reference),
        &GapOptions::new(Some(vec![Level::La]), &[], 0, None),
    )
    .unwrap();
    let rows = GapRows::from_frame(&frame).unwrap();
    assert!(rows.national_rank.iter().all(Option::is_none));
    assert!(rows.vs_national_same.iter().any(Option::is_some));
}

#[test]
fn laits_all_la_extract_gives_a_real_neighbour_average() {
    // DfE's LAIT attainment extract for every LA (shared data, read-only).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/dfe_lait/lait_la_attainment_long.csv");
    let published = Published::read(&path, None).unwrap();
    let neighbours = Neighbours::choose("2021").unwrap();
    let thurrock = neighbours.of(883).to_vec();
    let options = PublishedOptions {
        gap: GapOptions::new(Some(vec![Level::La]), &[], 6, None)
            .with_neighbours(Some(neighbours))
            .with_las(vec![883]),
        ..PublishedOptions::default()
    };
    let rows =
        GapRows::from_frame(&attain::published::gap_table(&published, &options).unwrap()).unwrap();
    let row = (0..rows.len())
        .find(|&i| {
            rows.level[i] == Level::La
                && rows.year[i] == 2019
                && rows.measure[i] == "ks2.rwm_exp"
                && rows.group[i] == Group::All
        })
        .unwrap();
    // By hand from the file: KS2RWM_Expected_STD, 2019, Thurrock's ten
    // April 2021 neighbours.
    let text = std::fs::read_to_string(&path).unwrap();
    let values: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let la: u16 = f[2].parse().ok()?;
            (f[0] == "KS2RWM_Expected_STD" && f[1].trim() == "2019" && thurrock.contains(&la))
                .then(|| f[f.len() - 1].trim().parse::<f64>().ok())
                .flatten()
        })
        .collect();
    assert!(values.len() >= 9, "{values:?}");
    // Thurrock's national rank among every LA with a value that year
    // (England is 970 and the regions 980-990 in LAIT).
    let every_la: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let la: u16 = f[2].parse().ok()?;
            (f[0] == "KS2RWM_Expected_STD" && f[1].trim() == "2019" && la < 970)
                .then(|| f[f.len() - 1].trim().parse::<f64>().ok())
                .flatten()
        })
        .collect();
    let own = rows.value_member[row].unwrap();
    let better = every_la.iter().filter(|&&v| v > own).count() as u64;
    assert_eq!(rows.national_rank[row], Some(better + 1));
    assert_eq!(rows.national_units[row], Some(every_la.len() as u64));
    close(
        rows.neighbour_average[row],
        values.iter().sum::<f64>() / values.len() as f64,
    );
    assert_eq!(rows.neighbours_used[row], Some(values.len() as u64));
}
