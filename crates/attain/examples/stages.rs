//! Times each stage of the gap table on one pupil file:
//! `cargo run --release -p attain --example stages -- FILE`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use attain::*;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = Instant::now();
    let pupils = PupilTable::read(&path, None).unwrap();
    let t1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let s = summarise(&pupils);
    let t2 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let national = National::Local;
    let c = gaps::Comparison::new(&s, &national).unwrap();
    let table = c.year(s.years()[0], &GapOptions::default()).unwrap();
    let t3 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut df = table.to_dataframe().unwrap();
    let t4 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    report::write(&mut df, Format::Parquet, std::io::sink(), "sink").unwrap();
    let t5 = t.elapsed().as_secs_f64();
    println!("load {:.0} ms, summarise {:.0} ms, table {:.0} ms ({} rows), dataframe {:.0} ms, write {:.0} ms", t1*1e3, t2*1e3, t3*1e3, table.len(), t4*1e3, t5*1e3);
}
