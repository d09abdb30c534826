//! Pupil tables from CSV, streamed with the csv crate.

use super::*;

/// Reads a pupil table from CSV text in any reader; `source` names it in
/// error messages.
pub fn read_csv_from(input: impl Read, source: &str, phase: Option<Phase>) -> Result<PupilTable> {
    let mut table = None;
    read_csv(input, source, phase, usize::MAX, |chunk| {
        table = Some(chunk);
        Ok(())
    })?;
    let table = table.expect("a file with no pupils is refused before this");
    check_unique_ids(&table)?;
    Ok(table)
}

pub(super) fn read_csv(
    input: impl Read,
    source: &str,
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    // The csv crate rather than polars' reader: it streams, and it reports the
    // exact record an error is in, which a multi-threaded reader cannot.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let csv_error = |e: csv::Error| match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::invalid(
            source,
            pos.as_ref().map(|p| p.record() + 1),
            None,
            Some(&format!("{len} fields")),
            format!("{expected_len} fields, as in the header"),
        ),
        csv::ErrorKind::Io(_) => Error::io(source, std::io::Error::other(e.to_string())),
        _ => Error::table(source, e),
    };
    let raw_header = reader.byte_headers().map_err(csv_error)?;
    // UTF-16 (Excel's "Unicode text") reads as NULs between letters: name
    // the encoding rather than show them.
    let first = raw_header.get(0).unwrap_or_default();
    if first.starts_with(&[0xFF, 0xFE])
        || first.starts_with(&[0xFE, 0xFF])
        || raw_header.iter().any(|h| h.contains(&0))
    {
        return Err(Error::invalid(
            source,
            Some(1),
            None,
            None,
            "a CSV file in UTF-8: this one is UTF-16 (in Excel, save as \"CSV UTF-8\")",
        ));
    }
    let header: Vec<String> = raw_header
        .iter()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect::<Vec<_>>();
    let header = crate::tables::clean_header(header.iter().map(String::as_str));
    if header.iter().all(String::is_empty) {
        return Err(no_pupils(source));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let (phase, columns) = plan(source, &header_refs, phase)?;
    let mut builder = Builder::new(source, Strictness::Csv, phase, columns, 0);
    let fields: Vec<(Field, &'static str, usize)> = builder
        .fields()
        .into_iter()
        .map(|(field, name)| {
            (
                field,
                name,
                header.iter().position(|h| h == name).expect("planned"),
            )
        })
        .collect();
    let mut record = csv::ByteRecord::new();
    let mut index = 0usize;
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        for &(field, name, position) in &fields {
            let bytes = record.get(position).unwrap_or_default();
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::invalid(
                    source,
                    Some(builder.row_offset + index as u64 + 2),
                    Some(name),
                    Some(&String::from_utf8_lossy(bytes)),
                    "UTF-8 text",
                )
            })?;
            // Kept raw (spaces and all) so an error shows exactly what was found;
            // every validator trims.
            builder.accept(field, name, index, Cell::Text(text))?;
        }
        index += 1;
        if builder.len() >= chunk_rows {
            each(builder.take())?;
            index = 0;
        }
    }
    if builder.len() > 0 {
        each(builder.take())?;
    } else if builder.row_offset == 0 {
        return Err(no_pupils(source));
    }
    Ok(phase)
}
