//! Loading pupil tables: messy but valid exports load; every kind of bad
//! input is refused with the file, row, column, value and what was expected.

mod common;

use attain::{Error, Invalid, Phase, PupilTable, Sen, TaCode};
use common::Fixture;

const HEADER: &str =
    "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,ks2_read,ks2_mat,ks2_writ";

fn invalid(contents: &str) -> Invalid {
    invalid_bytes(contents.as_bytes())
}

fn invalid_bytes(contents: &[u8]) -> Invalid {
    let fixture = Fixture::new();
    let path = fixture.file("bad.csv", contents);
    match PupilTable::read(&path, None) {
        Err(Error::Invalid(invalid)) => {
            assert_eq!(invalid.file, path.display().to_string());
            *invalid
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn one_bad_cell(column: &str, value: &str) -> Invalid {
    let mut row = vec![
        "p1", "2024", "100001", "883", "0", "1", "N", "0", "104", "99", "EXS",
    ];
    let position = HEADER.split(',').position(|c| c == column).unwrap();
    row[position] = value;
    invalid(&format!(
        "{HEADER}\np0,2024,100001,883,0,0,N,0,100,100,EXS\n{}\n",
        row.join(",")
    ))
}

fn check(invalid: &Invalid, row: u64, column: &str, value: &str, expected: &str) {
    assert_eq!(invalid.row, Some(row), "{invalid}");
    assert_eq!(invalid.column.as_deref(), Some(column), "{invalid}");
    assert_eq!(invalid.value.as_deref(), Some(value), "{invalid}");
    assert!(invalid.expected.contains(expected), "{invalid}");
    let message = invalid.to_string();
    assert!(
        message.contains(&format!("row {row}")) && message.contains(column),
        "{message}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let error = invalid("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,ks2_read,ks2_mat,ks2_writ\np,2024,1,883,0,0,N,100,100,EXS\n");
    assert_eq!((error.row, error.column.as_deref()), (Some(1), Some("cla")));
    assert!(error.expected.contains("a column named cla"), "{error}");
}

#[test]
fn unknown_codes_are_refused() {
    check(
        &one_bad_cell("sen", "S"),
        3,
        "sen",
        "S",
        "N (none), K (SEN support) or E (EHC plan)",
    );
    check(
        &one_bad_cell("sen", "k"),
        3,
        "sen",
        "k",
        "SEN provision code",
    );
    check(
        &one_bad_cell("ks2_writ", "exs"),
        3,
        "ks2_writ",
        "exs",
        "teacher-assessment code",
    );
    check(
        &one_bad_cell("ks2_writ", "EXP"),
        3,
        "ks2_writ",
        "EXP",
        "GDS, EXS, WTS",
    );
}

#[test]
fn bad_booleans_are_refused() {
    check(
        &one_bad_cell("fsm", "yes"),
        3,
        "fsm",
        "yes",
        "true/false, 1/0 or Y/N",
    );
    check(&one_bad_cell("cla", "2"), 3, "cla", "2", "true/false");
    check(
        &one_bad_cell("disadvantaged", ""),
        3,
        "disadvantaged",
        "",
        "true/false",
    );
}

#[test]
fn out_of_range_and_non_whole_values_are_refused() {
    check(
        &one_bad_cell("ks2_read", "121"),
        3,
        "ks2_read",
        "121",
        "a whole number from 80 to 120",
    );
    check(
        &one_bad_cell("ks2_mat", "79"),
        3,
        "ks2_mat",
        "79",
        "from 80 to 120",
    );
    check(
        &one_bad_cell("ks2_read", "104.0"),
        3,
        "ks2_read",
        "104.0",
        "a whole number",
    );
    check(
        &one_bad_cell("ks2_read", "n/a"),
        3,
        "ks2_read",
        "n/a",
        "a whole number",
    );
    check(
        &one_bad_cell("la_code", "88"),
        3,
        "la_code",
        "88",
        "three-digit DfE LA code",
    );
    check(
        &one_bad_cell("year", "24"),
        3,
        "year",
        "24",
        "academic year",
    );
}

#[test]
fn a_non_numeric_urn_is_refused() {
    check(
        &one_bad_cell("urn", "URN100"),
        3,
        "urn",
        "URN100",
        "a school URN",
    );
    check(&one_bad_cell("urn", ""), 3, "urn", "", "a school URN");
}

#[test]
fn an_empty_pupil_id_is_refused() {
    check(
        &one_bad_cell("pupil_id", " "),
        3,
        "pupil_id",
        " ",
        "a non-empty pupil identifier",
    );
}

#[test]
fn duplicate_pupils_within_a_year_are_refused() {
    let error = invalid(&format!("{HEADER}\np1,2024,1,883,0,0,N,0,100,100,EXS\np1,2023,1,883,0,0,N,0,100,100,EXS\np1,2024,2,883,0,0,N,0,100,100,EXS\n"));
    check(
        &error,
        4,
        "pupil_id",
        "p1",
        "already appears for 2024 at row 2",
    );
}

#[test]
fn empty_files_are_refused() {
    for contents in ["", "\n", HEADER, &format!("{HEADER}\n")] {
        let error = invalid(contents);
        assert_eq!(
            (error.row, error.column.as_deref()),
            (None, None),
            "{contents:?}: {error}"
        );
        assert!(error.expected.contains("at least one pupil row"), "{error}");
    }
}

#[test]
fn a_ragged_row_is_refused() {
    let error = invalid(&format!("{HEADER}\np1,2024,1,883,0,0,N,0,100,100\n"));
    assert_eq!(error.row, Some(2), "{error}");
}

#[test]
fn an_unknown_phase_is_refused() {
    let error = invalid(
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,score\np,2024,1,883,0,0,N,0,3\n",
    );
    assert!(error.expected.contains("exactly one phase"), "{error}");
}

#[test]
fn messy_exports_load() {
    // BOM, CRLF, every field quoted, "" for missing, columns in another
    // order, an extra column, every boolean spelling, spaces around values.
    let text = "\u{feff}\"ks2_writ\",\"sen\",\"pupil_id\",\"note\",\"year\",\"urn\",\"la_code\",\"fsm\",\"disadvantaged\",\"cla\",\"ks2_read\",\"ks2_mat\"\r\n\
                \"EXS\",\"N\",\"a\",\"x, y\",\"2024\",\"100001\",\"883\",\"TRUE\",\"Y\",\"false\",\"104\",\"\"\r\n\
                \"\",\"K\",\"b\",\"\",\"2024\",\"100001\",\"883\",\" n \",\"1\",\"0\",\"\",\"99\"\r\n\
                \"GDS\",\"E\",\"c\",\"\",\"2024\",\"100001\",\"883\",\"False\",\"y\",\"N\",\" 110 \",\"111\"\r\n";
    let fixture = Fixture::new();
    let path = fixture.file("messy.csv", text.as_bytes());
    let table = PupilTable::read(&path, None).unwrap();
    assert_eq!(table.phase, Phase::Ks2);
    assert_eq!(table.len(), 3);
    assert_eq!(table.pupil_id.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert!(table.profile[0].fsm() && table.profile[0].disadvantaged() && !table.profile[0].cla());
    assert!(!table.profile[1].fsm() && table.profile[1].disadvantaged());
    assert_eq!(table.profile[2].sen(), Sen::Ehcp);
    match table.outcome("ks2_mat").unwrap() {
        attain::pupils::Outcome::Number(values) => {
            assert!(values[0].is_nan());
            assert_eq!(&values[1..], [99.0, 111.0]);
        }
        other => panic!("{other:?}"),
    }
    match table.outcome("ks2_writ").unwrap() {
        attain::pupils::Outcome::Code(codes) => {
            assert_eq!(codes, &[TaCode::Exs, TaCode::Missing, TaCode::Gds])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn parquet_and_dataframes_load_like_csv_and_name_rows_the_same_way() {
    let csv = format!("{HEADER}\np1,2024,1,883,0,1,N,0,104,,EXS\np2,2024,1,883,1,1,K,1,,99,WTS\n");
    let fixture = Fixture::new();
    let path = fixture.file("pupils.csv", csv.as_bytes());
    let from_csv = PupilTable::read(&path, None).unwrap();
    let mut frame = from_csv.to_dataframe().unwrap();
    let parquet = fixture.dir.path().join("pupils.parquet");
    attain::output::write_file(&mut frame, attain::Format::Parquet, &parquet).unwrap();
    let from_parquet = PupilTable::read(&parquet, None).unwrap();
    assert_eq!(from_parquet.profile, from_csv.profile);
    assert_eq!(from_parquet.outcomes.len(), from_csv.outcomes.len());
    let from_frame = PupilTable::from_dataframe(&frame, None, "DataFrame").unwrap();
    assert_eq!(from_frame.urn, from_csv.urn);

    // A float-typed whole-number column: refused in Parquet, accepted from a
    // DataFrame (pandas) when whole, refused when not.
    use polars::prelude::*;
    let mut floats = frame.clone();
    floats
        .with_column(Column::new("ks2_read".into(), [Some(104.0f64), None]))
        .unwrap();
    let path = fixture.dir.path().join("floats.parquet");
    attain::output::write_file(&mut floats, attain::Format::Parquet, &path).unwrap();
    match PupilTable::read(&path, None) {
        Err(Error::Invalid(e)) => {
            assert_eq!(
                (e.row, e.column.as_deref(), e.value.as_deref()),
                (Some(2), Some("ks2_read"), Some("104.0"))
            );
            assert!(e.expected.contains("integer-typed"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(PupilTable::from_dataframe(&floats, None, "DataFrame").is_ok());
    floats
        .with_column(Column::new(
            "ks2_read".into(),
            [Some(104.0f64), Some(100.5)],
        ))
        .unwrap();
    match PupilTable::from_dataframe(&floats, None, "DataFrame") {
        Err(Error::Invalid(e)) => {
            assert_eq!(
                (e.file.as_str(), e.row, e.column.as_deref()),
                ("DataFrame", Some(3), Some("ks2_read"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn chunked_reading_gives_the_same_table_as_reading_whole() {
    use attain::{gap_table, summarise, summarise_files, GapOptions, National};
    let fixture = Fixture::new();
    let csv = fixture.file(
        "ks2.csv",
        attain::datasets::sample_csv(Phase::Ks2).as_bytes(),
    );
    let whole = summarise(
        &PupilTable::read(&csv, None).unwrap(),
        &attain::Estimates::none(),
    );
    let mut frame = PupilTable::read(&csv, None)
        .unwrap()
        .to_dataframe()
        .unwrap();
    let parquet = fixture.dir.path().join("ks2.parquet");
    attain::output::write_file(&mut frame, attain::Format::Parquet, &parquet).unwrap();
    let options = GapOptions::default();
    let expected = gap_table(&whole, &National::Local, &options).unwrap();
    for path in [&csv, &parquet] {
        for chunk_rows in [1, 97, 1000, usize::MAX] {
            let chunked =
                summarise_files(&[path], None, chunk_rows, &attain::Estimates::none()).unwrap();
            assert!(
                gap_table(&chunked, &National::Local, &options)
                    .unwrap()
                    .equals_missing(&expected),
                "{} in chunks of {chunk_rows}",
                path.display()
            );
        }
    }
}

#[test]
fn duplicates_are_found_across_chunks_and_files() {
    let fixture = Fixture::new();
    let first = fixture.file("a.csv", format!("{HEADER}\np1,2024,1,883,0,0,N,0,100,100,EXS\np2,2024,1,883,0,0,N,0,100,100,EXS\np3,2024,1,883,0,0,N,0,100,100,EXS\np2,2023,1,883,0,0,N,0,100,100,EXS\np2,2024,2,883,0,0,N,0,100,100,EXS\n").as_bytes());
    match attain::summarise_files(&[&first], None, 2, &attain::Estimates::none()) {
        Err(Error::Invalid(e)) => {
            check(&e, 6, "pupil_id", "p2", "already appears for 2024 at row 3")
        }
        other => panic!("{other:?}"),
    }
    let second = fixture.file(
        "b.csv",
        format!("{HEADER}\np9,2024,5,845,0,0,N,0,100,100,EXS\np1,2024,5,845,0,0,N,0,100,100,EXS\n")
            .as_bytes(),
    );
    let only_first_three = fixture.file(
        "c.csv",
        format!("{HEADER}\np1,2024,1,883,0,0,N,0,100,100,EXS\n").as_bytes(),
    );
    match attain::summarise_files(
        &[&only_first_three, &second],
        None,
        1,
        &attain::Estimates::none(),
    ) {
        Err(Error::Invalid(e)) => {
            assert_eq!(e.file, second.display().to_string());
            check(
                &e,
                3,
                "pupil_id",
                "p1",
                &format!(
                    "already appears for 2024 in {} at row 2",
                    only_first_three.display()
                ),
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_in_later_chunks_name_the_file_row() {
    let fixture = Fixture::new();
    let mut csv = format!("{HEADER}\n");
    for i in 0..10 {
        csv += &format!(
            "p{i},2024,1,883,0,0,N,0,100,{},EXS\n",
            if i == 7 { "130" } else { "100" }
        );
    }
    let path = fixture.file("late.csv", csv.as_bytes());
    match attain::summarise_files(&[&path], None, 3, &attain::Estimates::none()) {
        Err(Error::Invalid(e)) => check(&e, 9, "ks2_mat", "130", "from 80 to 120"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_in_later_parquet_chunks_name_the_file_row() {
    use polars::prelude::*;
    let mut csv = format!("{HEADER}\n");
    for i in 0..10 {
        csv += &format!(
            "p{i},2024,1,883,0,0,{},0,100,100,EXS\n",
            if i == 8 { "Q" } else { "N" }
        );
    }
    let fixture = Fixture::new();
    let frame = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(std::io::Cursor::new(csv.into_bytes()))
        .finish()
        .unwrap();
    let mut frame = frame.lazy_free_cast();
    let path = fixture.dir.path().join("late.parquet");
    attain::output::write_file(&mut frame, attain::Format::Parquet, &path).unwrap();
    match attain::summarise_files(&[&path], None, 3, &attain::Estimates::none()) {
        Err(Error::Invalid(e)) => check(&e, 10, "sen", "Q", "SEN provision code"),
        other => panic!("{other:?}"),
    }
}

trait CastInts {
    fn lazy_free_cast(self) -> polars::prelude::DataFrame;
}

impl CastInts for polars::prelude::DataFrame {
    /// Whole-number columns as integers, the rest as text, as a Parquet export would have them.
    fn lazy_free_cast(mut self) -> polars::prelude::DataFrame {
        use polars::prelude::*;
        for name in ["year", "urn", "la_code", "ks2_read", "ks2_mat"] {
            let column = self.column(name).unwrap().cast(&DataType::Int64).unwrap();
            self.with_column(column).unwrap();
        }
        self
    }
}

#[test]
fn codes_are_exact_and_parquet_whole_numbers_are_integers() {
    check(
        &one_bad_cell("sen", " N "),
        3,
        "sen",
        " N ",
        "SEN provision code",
    );
    check(
        &one_bad_cell("ks2_writ", "EXS "),
        3,
        "ks2_writ",
        "EXS ",
        "teacher-assessment code",
    );
    // Spaces alone are an empty cell: no teacher assessment.
    assert!(PupilTable::read(
        Fixture::new().file(
            "ok.csv",
            format!("{HEADER}\np,2024,1,883,0,0,N,0,100,100,  \n").as_bytes()
        ),
        None
    )
    .is_ok());

    use polars::prelude::*;
    let fixture = Fixture::new();
    let csv = fixture.file(
        "p.csv",
        format!("{HEADER}\np1,2024,1,883,0,0,N,0,100,100,EXS\n").as_bytes(),
    );
    let mut frame = PupilTable::read(&csv, None)
        .unwrap()
        .to_dataframe()
        .unwrap();
    frame.with_column(Column::new("urn".into(), ["1"])).unwrap();
    let path = fixture.dir.path().join("text_urn.parquet");
    attain::output::write_file(&mut frame, attain::Format::Parquet, &path).unwrap();
    match PupilTable::read(&path, None) {
        Err(Error::Invalid(e)) => check(&e, 2, "urn", "1", "integer-typed Parquet column"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_outcome_column_is_named_without_a_phase() {
    let error = invalid("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,ks2_read,ks2_mat\np,2024,1,883,0,0,N,0,100,100\n");
    assert_eq!(
        (error.row, error.column.as_deref()),
        (Some(1), Some("ks2_writ")),
        "{error}"
    );
}
