//! Pupil tables from Parquet files and polars `DataFrame`s.

use super::*;

/// The phase of a Parquet file and the columns to read from it.
pub fn parquet_columns(path: &Path, phase: Option<Phase>) -> Result<(Phase, Vec<String>)> {
    let source = path.display().to_string();
    let mut reader = ParquetReader::new(file_again(path, &source)?);
    let schema = guarded(&source, || {
        reader.schema().map_err(|e| Error::table(&source, e))
    })?;
    let header: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let (phase, columns) = plan(&source, &header, phase)?;
    let wanted: Vec<String> = COMMON_COLUMNS
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.name))
        .map(str::to_owned)
        .collect();
    // Types the reader decodes; others (Int8, dates, lists) are refused
    // here by column, not later by polars with no column named.
    use polars::prelude::ArrowDataType as Type;
    for (name, field) in schema.iter() {
        let readable = match &field.dtype {
            Type::Dictionary(_, values, _) => matches!(
                values.as_ref(),
                Type::Utf8 | Type::LargeUtf8 | Type::Utf8View
            ),
            Type::Boolean
            | Type::Int32
            | Type::Int64
            | Type::UInt32
            | Type::UInt64
            | Type::Float32
            | Type::Float64
            | Type::Utf8
            | Type::LargeUtf8
            | Type::Utf8View
            | Type::Null => true,
            _ => false,
        };
        if !readable && wanted.iter().any(|w| w == name.as_str()) {
            return Err(Error::invalid(
                &source,
                None,
                Some(name.as_str()),
                Some(&format!(
                    "a Parquet column of type {}",
                    format!("{:?}", field.dtype).split('(').next().unwrap_or("")
                )),
                "booleans, whole numbers (Int32, Int64), numbers (Float32, Float64) or text: cast the column to one of them",
            ));
        }
    }
    Ok((phase, wanted))
}

/// Runs a Parquet reader call, turning a panic inside it into a data
/// error: polars' reader panics on some damaged files (found by fuzzing),
/// and a damaged file is bad input, not a crash.
pub(crate) fn guarded<T>(source: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Error::invalid(
                source,
                None,
                None,
                None,
                format!(
                    "a readable Parquet file: this one is damaged (the Parquet reader stopped: {message})"
                ),
            ))
        }
    }
}

/// Checks a Parquet file's metadata and page headers before it is decoded
/// (page headers that would make polars allocate without bound are
/// refused: see `parquet_pages`), and returns the metadata.
pub(crate) fn check_parquet(path: &Path, source: &str) -> Result<FileMetadataRef> {
    let mut reader = ParquetReader::new(file_again(path, source)?);
    let metadata = guarded(source, || {
        reader
            .get_metadata()
            .cloned()
            .map_err(|e| Error::table(source, e))
    })?;
    super::parquet_pages::check(
        &mut file_again(path, source)?,
        source,
        metadata.row_groups.iter().flat_map(|group| {
            let rows = group.num_rows();
            group.byte_ranges_iter().map(move |range| (range, rows))
        }),
    )?;
    Ok(metadata)
}

pub(super) fn read_parquet(
    path: &Path,
    source: &str,
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    let (phase, wanted) = parquet_columns(path, phase)?;
    let metadata = check_parquet(path, source)?;
    let rows = metadata.num_rows;
    if rows == 0 {
        return Err(no_pupils(source));
    }
    // Chunks end on row-group boundaries where they can: a slice of a row
    // group decodes more of it than the slice, so reading a national year
    // written as one group (653,129 rows) in three slices cost twice the
    // decoding. Small groups are read together up to `chunk_rows`; a group
    // of up to four chunks is read whole; a larger one (ten national years
    // in one group) is read in slices of `chunk_rows`, which keeps memory
    // near one chunk's.
    let mut chunks: Vec<(usize, usize)> = Vec::new();
    let mut offset = 0;
    for group in &metadata.row_groups {
        let group_rows = group.num_rows();
        match chunks.last_mut() {
            Some((start, length))
                if *start + *length == offset
                    && length.saturating_add(group_rows) <= chunk_rows =>
            {
                *length += group_rows
            }
            _ if group_rows > chunk_rows.saturating_mul(4) => {
                let mut start = offset;
                while start < offset + group_rows {
                    let length = chunk_rows.min(offset + group_rows - start);
                    chunks.push((start, length));
                    start += length;
                }
            }
            _ => chunks.push((offset, group_rows)),
        }
        offset += group_rows;
    }
    let header: Vec<&str> = wanted.iter().map(String::as_str).collect();
    for (offset, length) in chunks.into_iter().filter(|&(_, length)| length > 0) {
        let slice = (length < rows).then_some((offset, length));
        let read = |columns: Vec<String>| -> Result<DataFrame> {
            let mut reader = ParquetReader::new(file_again(path, source)?);
            reader.set_metadata(metadata.clone());
            guarded(source, || {
                reader
                    .with_columns(Some(columns))
                    .with_slice(slice)
                    .finish()
                    .map_err(|e| Error::table(source, e))
            })
        };
        // A column at a time: decoded, validated and dropped, so that the
        // raw columns are never all in memory together (a national KS2
        // year's decode took 90 MB whole).
        // A damaged file can decode into a column whose parts disagree on
        // its length, which polars only notices (and panics on) when the
        // column is walked: the whole chunk is guarded.
        let mut builder = guarded(source, || {
            fill_columns(
                &header,
                length,
                (Some(phase), source, Strictness::Parquet, offset as u64),
                |name| {
                    read(vec![name.to_owned()])?
                        .drop_in_place(name)
                        .map_err(|e| Error::table(source, e))
                },
            )
        })?;
        each(builder.take())?;
    }
    Ok(phase)
}

pub(super) fn from_frame(
    frame: &DataFrame,
    phase: Option<Phase>,
    source: &str,
    strictness: Strictness,
) -> Result<PupilTable> {
    if frame.height() == 0 {
        return Err(no_pupils(source));
    }
    let mut builder = fill(frame, phase, source, strictness, 0)?;
    let table = builder.take();
    check_unique_ids(&table)?;
    Ok(table)
}

/// Validates every needed column of a frame into a builder.
pub(super) fn fill<'s>(
    frame: &DataFrame,
    phase: Option<Phase>,
    source: &'s str,
    strictness: Strictness,
    row_offset: u64,
) -> Result<Builder<'s>> {
    let header: Vec<&str> = frame
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect();
    fill_columns(
        &header,
        frame.height(),
        (phase, source, strictness, row_offset),
        |name| {
            frame
                .column(name)
                .cloned()
                .map_err(|e| Error::table(source, e))
        },
    )
}

/// Validates the needed columns of a table, `column_of` fetching each by
/// name. Columns are validated independently, on every core, and each is
/// dropped once validated, so a source read a column at a time never holds
/// all its raw columns at once; the first column (in the common-then-outcome
/// order) with a bad cell names the error.
fn fill_columns<'s>(
    header: &[&str],
    rows: usize,
    (phase, source, strictness, row_offset): (Option<Phase>, &'s str, Strictness, u64),
    column_of: impl Fn(&str) -> Result<Column> + Sync,
) -> Result<Builder<'s>> {
    let (phase, columns) = plan(source, header, phase)?;
    let mut builder = Builder::new(source, strictness, phase, columns.clone(), 0);
    builder.row_offset = row_offset;
    let parts: Vec<Result<Builder<'s>>> = builder
        .fields()
        .into_par_iter()
        .map(|(field, name)| {
            let mut part = Builder::new(source, strictness, phase, columns.clone(), 0);
            part.row_offset = row_offset;
            part.reserve(field, rows);
            let column = column_of(name)?;
            // A damaged Parquet file can decode a column shorter or longer
            // than its metadata says.
            if column.len() != rows {
                return Err(Error::invalid(
                    source,
                    None,
                    Some(name),
                    Some(&format!("{} values", column.len())),
                    format!("{rows} values, as many as the file's metadata gives rows (the file is damaged)"),
                ));
            }
            for_each_cell(&column, source, |index, cell| {
                part.accept(field, name, index, cell)
            })?;
            Ok(part)
        })
        .collect();
    for ((field, _), part) in builder.fields().into_iter().zip(parts) {
        builder.adopt(field, part?);
    }
    Ok(builder)
}

/// Calls `f` with every cell of a column, typed as the column is.
pub(super) fn for_each_cell(
    column: &Column,
    source: &str,
    mut f: impl FnMut(usize, Cell) -> Result<()>,
) -> Result<()> {
    let series = column.as_materialized_series();
    macro_rules! each {
        ($chunked:expr, $cell:expr) => {
            for (index, value) in $chunked.iter().enumerate() {
                f(index, value.map_or(Cell::Empty, $cell))?;
            }
        };
    }
    let table_error = |e: PolarsError| Error::table(source, e);
    match series.dtype() {
        DataType::String => each!(series.str().map_err(table_error)?, Cell::Text),
        DataType::Boolean => each!(series.bool().map_err(table_error)?, Cell::Bool),
        DataType::Float32 | DataType::Float64 => {
            let floats = series.cast(&DataType::Float64).map_err(table_error)?;
            each!(floats.f64().map_err(table_error)?, Cell::Float)
        }
        DataType::Null => {
            for index in 0..series.len() {
                f(index, Cell::Empty)?;
            }
        }
        DataType::UInt64 => each!(series.u64().map_err(table_error)?, |v| Cell::Int(v as i128)),
        dtype if dtype.is_integer() => {
            let ints = series.cast(&DataType::Int64).map_err(table_error)?;
            each!(ints.i64().map_err(table_error)?, |v| Cell::Int(v as i128))
        }
        _ => {
            let text = series.cast(&DataType::String).map_err(table_error)?;
            each!(text.str().map_err(table_error)?, Cell::Text)
        }
    }
    Ok(())
}
