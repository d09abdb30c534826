//! Pupil tables from Parquet files and polars `DataFrame`s.

use super::*;

/// The phase of a Parquet file and the columns to read from it.
pub fn parquet_columns(path: &Path, phase: Option<Phase>) -> Result<(Phase, Vec<String>)> {
    let source = path.display().to_string();
    let mut reader = ParquetReader::new(file_again(path, &source)?);
    let schema = reader.schema().map_err(|e| Error::table(&source, e))?;
    let header: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let (phase, columns) = plan(&source, &header, phase)?;
    let wanted = COMMON_COLUMNS
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.name))
        .map(str::to_owned)
        .collect();
    Ok((phase, wanted))
}

pub(super) fn read_parquet(
    path: &Path,
    source: &str,
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    let (phase, wanted) = parquet_columns(path, phase)?;
    let rows = ParquetReader::new(file_again(path, source)?)
        .num_rows()
        .map_err(|e| Error::table(source, e))?;
    if rows == 0 {
        return Err(no_pupils(source));
    }
    let mut offset = 0;
    while offset < rows {
        let length = chunk_rows.min(rows - offset);
        // Only the needed columns, and only this chunk's row groups, are read.
        let slice = (length < rows).then_some((offset, length));
        let frame = ParquetReader::new(file_again(path, source)?)
            .with_columns(Some(wanted.clone()))
            .with_slice(slice)
            .finish()
            .map_err(|e| Error::table(source, e))?;
        let mut builder = fill(
            &frame,
            Some(phase),
            source,
            Strictness::Parquet,
            offset as u64,
        )?;
        each(builder.take())?;
        offset += length;
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
    let (phase, columns) = plan(source, &header, phase)?;
    let mut builder = Builder::new(source, strictness, phase, columns.clone(), 0);
    builder.row_offset = row_offset;
    // Columns are validated independently, on every core; the first column
    // (in the common-then-outcome order) with a bad cell names the error.
    let parts: Vec<Result<Builder<'s>>> = builder
        .fields()
        .into_par_iter()
        .map(|(field, name)| {
            let mut part = Builder::new(source, strictness, phase, columns.clone(), 0);
            part.row_offset = row_offset;
            part.reserve(field, frame.height());
            let column = frame.column(name).map_err(|e| Error::table(source, e))?;
            for_each_cell(column, source, |index, cell| {
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
        dtype if dtype.is_integer() => {
            let ints = series.cast(&DataType::Int64).map_err(table_error)?;
            each!(ints.i64().map_err(table_error)?, Cell::Int)
        }
        _ => {
            let text = series.cast(&DataType::String).map_err(table_error)?;
            each!(text.str().map_err(table_error)?, Cell::Text)
        }
    }
    Ok(())
}
