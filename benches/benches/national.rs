//! `cargo bench -p attain-benches`: the core on England-sized cohorts
//! (about 650,000 pupils): loading CSV and Parquet, summarising, building
//! the gap table at every level, and writing it.

use attain::gaps::Comparison;
use attain::report::{write, Format};
use attain::{summarise, GapOptions, National, Phase, PupilTable};
use attain_benches::national_cohort;
use criterion::{criterion_group, criterion_main, Criterion};

// The allocator the attain binary uses (see crates/attain-cli/src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn national(c: &mut Criterion) {
    for phase in [Phase::Ks2, Phase::Ks4] {
        let cohort = national_cohort(phase, 2024);
        let mut group = c.benchmark_group(format!("{phase} ({} pupils)", cohort.pupils));
        group.sample_size(10);
        group.bench_function("load csv", |b| {
            b.iter(|| PupilTable::read(&cohort.csv, Some(phase)).unwrap())
        });
        group.bench_function("load parquet", |b| {
            b.iter(|| PupilTable::read(&cohort.parquet, Some(phase)).unwrap())
        });
        let pupils = PupilTable::read(&cohort.parquet, Some(phase)).unwrap();
        group.bench_function("summarise", |b| {
            b.iter(|| summarise(&pupils, &attain::Estimates::none()))
        });
        let summaries = summarise(&pupils, &attain::Estimates::none());
        let options = GapOptions::default();
        let national = National::Local;
        let comparison = Comparison::new(&summaries, &national).unwrap();
        let year = |comparison: &Comparison| {
            let mut batches = Vec::new();
            comparison
                .year_in_batches(2024, &options, |batch| {
                    batches.push(batch);
                    Ok(())
                })
                .unwrap();
            batches
        };
        group.bench_function("gap table, all levels, as Arrow", |b| {
            b.iter(|| year(&comparison))
        });
        let mut frame = attain::gap_table(&summaries, &national, &options).unwrap();
        group.bench_function("write parquet", |b| {
            b.iter(|| write(&mut frame, Format::Parquet, std::io::sink(), "sink").unwrap())
        });
        group.bench_function("whole job, parquet in and out", |b| {
            b.iter(|| {
                let summaries = attain::summarise_files(
                    &[&cohort.parquet],
                    Some(phase),
                    1 << 20,
                    &attain::Estimates::none(),
                )
                .unwrap();
                let mut frame = attain::gap_table(&summaries, &national, &options).unwrap();
                write(&mut frame, Format::Parquet, std::io::sink(), "sink").unwrap()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, national);
criterion_main!(benches);
