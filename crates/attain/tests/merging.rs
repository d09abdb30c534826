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
        let whole = summarise(&pupils, &attain::Estimates::none());
        let mut urns: Vec<u32> = pupils.urn.clone();
        urns.sort_unstable();
        urns.dedup();
        assert!(urns.len() > 5, "{phase}: the sample has several schools");
        let mut merged = summarise(
            &subset(&pupils, |i| pupils.urn[i] == urns[0]),
            &attain::Estimates::none(),
        );
        for &urn in &urns[1..] {
            merged.merge(&summarise(
                &subset(&pupils, |i| pupils.urn[i] == urn),
                &attain::Estimates::none(),
            ));
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
            groupings: None,
            ..GapOptions::default()
        };
        let from_pupils = attain::gap_table(&whole, &National::Local, &options).unwrap();
        let from_merge = attain::gap_table(&merged, &National::Local, &options).unwrap();
        assert!(from_pupils.equals_missing(&from_merge), "{phase}");
        let from_pupils = attain::schema::GapRows::from_frame(&from_pupils).unwrap();
        assert!(from_pupils
            .unit
            .iter()
            .all(|u| *u == Unit::La(883).to_string()));
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

#[test]
fn an_alliance_is_its_schools_pooled_as_one_school() {
    use std::sync::Arc;
    let pupils = datasets::sample(Phase::Ks2).unwrap();
    let mut urns: Vec<u32> = pupils.urn.clone();
    urns.sort_unstable();
    urns.dedup();
    let mut text = String::from("urn,group_id,group_name\n");
    for &urn in &urns[0..3] {
        text += &format!("{urn},NORTH,North alliance\n");
    }
    for &urn in &urns[2..6] {
        text += &format!("{urn},T42,Trust 42\n");
    }
    let groupings = Arc::new(attain::Groupings::read_from(text.as_bytes(), "groups.csv").unwrap());
    let national = National::Reference(datasets::sample_national().unwrap());
    let options = GapOptions {
        levels: vec![Level::Alliance],
        suppression: Suppression::default(),
        groupings: Some(groupings.clone()),
        ..GapOptions::default()
    };
    let frame = attain::gaps(&pupils, &national, &options).unwrap();
    let alliances = attain::schema::GapRows::from_frame(&frame).unwrap();
    let units: std::collections::BTreeSet<String> = frame
        .column("unit")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(units.into_iter().collect::<Vec<_>>(), ["NORTH", "T42"]);

    for (id, members) in [("NORTH", &urns[0..3]), ("T42", &urns[2..6])] {
        // The same pupils as one school.
        let mut pooled = subset(&pupils, |i| members.contains(&pupils.urn[i]));
        pooled.urn.iter_mut().for_each(|urn| *urn = 1);
        let school = GapOptions {
            levels: vec![Level::School],
            suppression: Suppression::default(),
            groupings: None,
            ..GapOptions::default()
        };
        let expected = attain::schema::GapRows::from_frame(
            &attain::gaps(&pooled, &national, &school).unwrap(),
        )
        .unwrap();
        let rows: Vec<usize> = (0..alliances.len())
            .filter(|&i| alliances.unit[i] == id)
            .collect();
        assert_eq!(rows.len(), expected.len());
        for (row, i) in rows.into_iter().enumerate() {
            assert_eq!(alliances.level[i], Level::Alliance);
            assert_eq!(
                (alliances.year[i], alliances.measure[i], alliances.group[i]),
                (
                    expected.year[row],
                    expected.measure[row],
                    expected.group[row]
                )
            );
            assert_eq!(
                (alliances.n_member[i], alliances.n_comparison[i]),
                (expected.n_member[row], expected.n_comparison[row])
            );
            assert_eq!(
                (
                    alliances.value_member[i],
                    alliances.ci_low[i],
                    alliances.ci_high[i]
                ),
                (
                    expected.value_member[row],
                    expected.ci_low[row],
                    expected.ci_high[row]
                )
            );
            assert_eq!(
                (
                    alliances.gap[i],
                    alliances.gap_ci_low[i],
                    alliances.gap_ci_high[i]
                ),
                (
                    expected.gap[row],
                    expected.gap_ci_low[row],
                    expected.gap_ci_high[row]
                )
            );
            assert_eq!(
                (alliances.gap_to_national[i], alliances.suppressed[i]),
                (expected.gap_to_national[row], expected.suppressed[row])
            );
        }
    }
    let no_groupings = GapOptions {
        levels: vec![Level::Alliance],
        ..GapOptions::default()
    };
    assert!(matches!(
        attain::gaps(&pupils, &national, &no_groupings),
        Err(attain::Error::Usage(_))
    ));
}
