//! Times each stage of the gap table on one pupil file:
//! `cargo run --release -p attain --example stages -- FILE`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use attain::*;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("a pupil file");
    let t = Instant::now();
    let pupils = PupilTable::read(&path, None).unwrap();
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let summaries = summarise(&pupils, &attain::Estimates::none());
    let summarise = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let national = National::Local;
    let comparison = gaps::Comparison::new(&summaries, &national).unwrap();
    let mut batches = Vec::new();
    comparison
        .year_in_batches(summaries.years()[0], &GapOptions::default(), |batch| {
            batches.push(batch);
            Ok(())
        })
        .unwrap();
    let compare = t.elapsed().as_secs_f64();
    let rows: usize = batches.iter().map(|b| b.height()).sum();
    let t = Instant::now();
    let mut writer = attain::output::TableWriter::new(Format::Parquet, std::io::sink(), "sink");
    for batch in &mut batches {
        writer.write(batch).unwrap();
    }
    writer.finish(&mut schema::empty(false)).unwrap();
    let write = t.elapsed().as_secs_f64();
    println!(
        "load {:.0} ms, summarise {:.0} ms, compare {:.0} ms ({rows} rows), write {:.0} ms",
        load * 1e3,
        summarise * 1e3,
        compare * 1e3,
        write * 1e3
    );
}
