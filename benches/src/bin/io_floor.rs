//! The I/O floor of `attain gaps`, for `benches/compare`: read the columns
//! the job reads from a Parquet pupil file, and write a precomputed table of
//! the output's shape and encoding, and nothing else.
//!
//! `io-floor --pupils IN.parquet --table GAPS.parquet --out OUT.parquet`
//!
//! `GAPS.parquet` is a gap table Attain wrote for the same pupils: it is
//! loaded before the clock starts, so what is timed is the input's read and
//! the output's write through the same writer and settings, with the same
//! types (the name columns as Enums) and the same cells. The process prints
//! `untimed_seconds=S`, the time spent loading the precomputed table, which
//! the harness takes off the process's wall time.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::time::Instant;

use attain::output::{Format, TableWriter};
use polars::prelude::*;

fn main() {
    let started = Instant::now();
    let mut args = std::env::args().skip(1);
    let (mut pupils, mut table, mut out) = (None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().map(PathBuf::from);
        match flag.as_str() {
            "--pupils" => pupils = value,
            "--table" => table = value,
            "--out" => out = value,
            other => panic!("unknown argument {other}"),
        }
    }
    let usage = "usage: io-floor --pupils IN.parquet --table GAPS.parquet --out OUT.parquet";
    let (pupils, table, out) = (pupils.expect(usage), table.expect(usage), out.expect(usage));
    let read = |path: &PathBuf, columns: Option<Vec<String>>| {
        ParquetReader::new(std::fs::File::open(path).expect("readable"))
            .with_columns(columns)
            .finish()
            .expect("a Parquet file")
    };
    // The precomputed output, in batches of the size `attain gaps` writes.
    let whole = read(&table, None);
    let batch_rows = 4096 * 28;
    let mut batches: Vec<DataFrame> = (0..whole.height())
        .step_by(batch_rows)
        .map(|start| whole.slice(start as i64, batch_rows))
        .collect();
    drop(whole);
    let untimed = started.elapsed().as_secs_f64();

    let (_, columns) = attain::pupils::parquet_columns(&pupils, None).expect("a pupil file");
    let input = read(&pupils, Some(columns));
    std::hint::black_box(&input);
    let file = attain::output::create(&out).expect("writable");
    let mut writer = TableWriter::new(Format::Parquet, file, "floor");
    for batch in &mut batches {
        writer.write(batch).expect("written");
    }
    writer
        .finish(&mut attain::schema::empty(false))
        .expect("finished");
    println!("untimed_seconds={untimed:.6}");
}
