//! Summaries merge exactly: schools summarised apart and merged equal the LA
//! computed from all its pupils at once.

use attain::{
    datasets, summarise, GapOptions, Level, National, Phase, PupilTable, Suppression, Unit,
};

fn subset(table: &PupilTable, keep: impl Fn(usize) -> bool) -> PupilTable {
    let rows: Vec<usize> = (0..table.len()).filter(|&i| keep(i)).collect();
    let mut ids = attain::pupils::PupilIds::default();
    rows.iter().for_each(|&i| ids.push(table.pupil_id.get(i)));
    PupilTable {
        phase: table.phase,
        source: table.source.clone(),
        first_row: 0,
        pupil_id: ids,
        year: rows.iter().map(|&i| table.year[i]).collect(),
        urn: rows.iter().map(|&i| table.urn[i]).collect(),
        la_code: rows.iter().map(|&i| table.la_code[i]).collect(),
        profile: rows.iter().map(|&i| table.profile[i]).collect(),
        outcomes: table
            .outcomes
            .iter()
            .map(|(column, values)| {
                let values = match values {
                    attain::pupils::Outcome::Flag(v) => {
                        attain::pupils::Outcome::Flag(rows.iter().map(|&i| v[i]).collect())
                    }
                    attain::pupils::Outcome::Number(v) => {
                        attain::pupils::Outcome::Number(rows.iter().map(|&i| v[i]).collect())
                    }
                    attain::pupils::Outcome::Code(v) => {
                        attain::pupils::Outcome::Code(rows.iter().map(|&i| v[i]).collect())
                    }
                };
                (*column, values)
            })
            .collect(),
    }
}

#[test]
fn school_summaries_merged_equal_the_la_from_pupils() {
    for phase in Phase::ALL {
        let pupils = datasets::sample(phase).unwrap();
        let whole = summarise(&pupils);
        let mut urns: Vec<u32> = pupils.urn.clone();
        urns.sort_unstable();
        urns.dedup();
        assert!(urns.len() > 5, "{phase}: the sample has several schools");
        let mut merged = summarise(&subset(&pupils, |i| pupils.urn[i] == urns[0]));
        for &urn in &urns[1..] {
            merged.merge(&summarise(&subset(&pupils, |i| pupils.urn[i] == urn)));
        }
        // Same cells, same sums (in another order).
        let width = whole.measures.len();
        let mut a: Vec<_> = whole.cells.iter().zip(whole.stats.chunks(width)).collect();
        let mut b: Vec<_> = merged
            .cells
            .iter()
            .zip(merged.stats.chunks(width))
            .collect();
        a.sort_by_key(|(p, _)| **p);
        b.sort_by_key(|(p, _)| **p);
        assert_eq!(a, b, "{phase}");

        let options = GapOptions {
            levels: vec![Level::La],
            suppression: Suppression { min_cohort: 0 },
        };
        let from_pupils = attain::gap_table(&whole, &National::Local, &options).unwrap();
        let from_merge = attain::gap_table(&merged, &National::Local, &options).unwrap();
        assert_eq!(from_pupils, from_merge, "{phase}");
        assert!(from_pupils.unit.iter().all(|u| *u == Unit::La(883)));
    }
}

#[test]
fn the_sample_covers_every_phase_with_national_figures() {
    let national = datasets::sample_national().unwrap();
    for phase in Phase::ALL {
        let pupils = datasets::sample(phase).unwrap();
        assert!(pupils.la_code.iter().all(|&la| la == 883));
        let mut years = pupils.year.clone();
        years.sort_unstable();
        years.dedup();
        assert_eq!(years, [2022, 2023, 2024], "{phase}");
        assert_eq!(national.years(phase), years, "{phase}");
    }
    let published = datasets::national_reference().unwrap();
    let measure = attain::Measure::find(Phase::Ks2, "rwm_exp").unwrap();
    let figure = published
        .get(2019, measure, attain::Population::Disadvantaged)
        .unwrap();
    assert_eq!(figure.value, 51.0);
}
