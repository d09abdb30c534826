//! Pupil identifiers: stored compactly, and checked for duplicates within a year.

use super::*;

/// Pupil identifiers, stored back to back in one buffer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PupilIds {
    pub(super) text: String,
    pub(super) ends: Vec<usize>,
}

impl PupilIds {
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.text[start..self.ends[row]]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|row| self.get(row))
    }
}

/// A 64-bit fingerprint of a pupil's year and identifier.
pub(super) fn fingerprint(year: u16, id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(id.as_bytes(), year as u64)
}

/// Checks that pupil identifiers are unique within a year, over one table
/// or many chunks, in 8 bytes a pupil.
///
/// Fingerprints of (year, pupil_id) are collected and sorted; only pupils
/// whose fingerprint repeats (a duplicate, or very rarely two identifiers
/// with the same hash) are then compared exactly, in a second look at the
/// data. A hash set of the identifiers themselves would hold every string.
#[derive(Debug, Default)]
pub struct UniqueIds {
    fingerprints: Vec<u64>,
}

impl UniqueIds {
    pub fn add(&mut self, table: &PupilTable) {
        self.fingerprints.extend(
            table
                .pupil_id
                .iter()
                .zip(&table.year)
                .map(|(id, &year)| fingerprint(year, id)),
        );
    }

    /// The fingerprints seen more than once; empty when every pupil is unique.
    pub fn repeated(mut self) -> DuplicateFinder {
        use rayon::slice::ParallelSliceMut;
        self.fingerprints.par_sort_unstable();
        let mut suspects: Vec<u64> = self
            .fingerprints
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        suspects.dedup();
        DuplicateFinder {
            suspects,
            seen: FxHashMap::default(),
        }
    }
}

/// The exact second look of [`UniqueIds`]: shown the pupils again, in order,
/// it finds the first real duplicate.
#[derive(Debug)]
pub struct DuplicateFinder {
    suspects: Vec<u64>,
    seen: FxHashMap<(u16, String), (String, u64)>,
}

impl DuplicateFinder {
    /// True when no fingerprint repeated: there is nothing to look at again.
    pub fn is_clear(&self) -> bool {
        self.suspects.is_empty()
    }

    /// Looks at a table (or the next chunk) again; fails on a duplicate.
    pub fn scan(&mut self, table: &PupilTable) -> Result<()> {
        if self.suspects.is_empty() {
            return Ok(());
        }
        for (index, id) in table.pupil_id.iter().enumerate() {
            let year = table.year[index];
            if self.suspects.binary_search(&fingerprint(year, id)).is_err() {
                continue;
            }
            let row = table.first_row + index as u64 + 2;
            if let Some((source, first)) = self.seen.get(&(year, id.to_owned())) {
                let place = if *source == table.source {
                    String::new()
                } else {
                    format!(" in {source}")
                };
                return Err(Error::invalid(
                    &table.source,
                    Some(row),
                    Some("pupil_id"),
                    Some(id),
                    format!("a pupil_id unique within phase and year: {id} already appears for {year}{place} at row {first}"),
                ));
            }
            self.seen
                .insert((year, id.to_owned()), (table.source.clone(), row));
        }
        Ok(())
    }
}

pub(super) fn check_unique_ids(table: &PupilTable) -> Result<()> {
    let mut ids = UniqueIds::default();
    ids.add(table);
    ids.repeated().scan(table)
}
