//! Statistical neighbours: each LA's ten most similar LAs, from DfE's
//! models (May 2025 and April 2021 ship in `datasets/neighbours/`) or from a
//! file in the same tidy form (`la_code, rank, neighbour_la_code`, other
//! columns ignored; a `section` column keeps only its `current` rows).
//!
//! With neighbours, the gap table gains the level `neighbours`: for each LA
//! reported, its neighbours' pupils pooled as if one LA (NCER's method; from
//! published tables, the neighbours' LA cohorts pooled where counts are
//! given), and LA rows gain `neighbour_average`, the mean of the
//! neighbours' own LA values over those that have one (LAIT's method), and
//! `neighbours_used`, how many neighbours the data has.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::geography::parse_la_code;
use crate::tables;

const MODEL_2025: &str = include_str!("../../../datasets/neighbours/sn_2025.csv");
const MODEL_2021: &str = include_str!("../../../datasets/neighbours/sn_2021.csv");

/// Each LA's neighbours, closest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbours {
    /// Where the model came from, for messages.
    pub source: String,
    of: FxHashMap<u16, Vec<u16>>,
}

impl Neighbours {
    /// `2025` or `2021` (DfE's models, shipped), or a file.
    pub fn choose(text: &str) -> Result<Neighbours> {
        match text.trim() {
            "2025" => Self::read_from(
                MODEL_2025.as_bytes(),
                "DfE statistical neighbours, May 2025",
            ),
            "2021" => Self::read_from(
                MODEL_2021.as_bytes(),
                "DfE statistical neighbours, April 2021",
            ),
            // A year that is not a file is a model asked for, not a path.
            year if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && !Path::new(year).exists() =>
            {
                Err(Error::Usage(format!(
                    "--neighbours {year}: DfE's statistical neighbour models shipped are 2025 (May 2025) and 2021 (April 2021); or give a file (la_code, rank, neighbour_la_code)"
                )))
            }
            path => Self::read(path),
        }
    }

    pub fn read(path: impl AsRef<Path>) -> Result<Neighbours> {
        let (file, source) = tables::open(path.as_ref())?;
        Self::read_from(file, &source)
    }

    /// Reads the tidy form from any reader.
    pub fn read_from(reader: impl Read, source: &str) -> Result<Neighbours> {
        let mut table = tables::read(reader, source)?;
        let what = "a statistical neighbours table (la_code, rank, neighbour_la_code)";
        let (la_at, rank_at, neighbour_at) = (
            table.require("la_code", what)?,
            table.require("rank", what)?,
            table.require("neighbour_la_code", what)?,
        );
        let section_at = table.find("section");
        let mut ranked: FxHashMap<u16, Vec<(u32, u16, u64)>> = FxHashMap::default();
        let mut row = 1;
        while let Some(record) = table.next_row(false) {
            row += 1;
            let record = record?;
            let cell = |i: usize| record.get(i).unwrap_or("");
            if section_at.is_some_and(|at| cell(at).trim() != "current") {
                continue;
            }
            let la = parse_la_code(cell(la_at), source, row, "la_code")?;
            let neighbour = parse_la_code(cell(neighbour_at), source, row, "neighbour_la_code")?;
            let rank: u32 = cell(rank_at)
                .trim()
                .parse()
                .ok()
                .filter(|r| *r >= 1)
                .ok_or_else(|| {
                    Error::invalid(
                        source,
                        Some(row),
                        Some("rank"),
                        Some(cell(rank_at)),
                        "a rank: a whole number from 1",
                    )
                })?;
            if neighbour == la {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("neighbour_la_code"),
                    Some(cell(neighbour_at)),
                    "another LA: an LA is not its own neighbour",
                ));
            }
            let list = ranked.entry(la).or_default();
            if let Some(&(_, _, first)) =
                list.iter().find(|(r, n, _)| *r == rank || *n == neighbour)
            {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("rank"),
                    Some(cell(rank_at)),
                    format!("one neighbour per LA and rank, each neighbour once: row {first} has LA {la}'s rank {rank} or neighbour {neighbour} already"),
                ));
            }
            list.push((rank, neighbour, row));
        }
        if ranked.is_empty() {
            return Err(Error::invalid(
                source,
                None,
                None,
                None,
                "at least one LA's neighbours",
            ));
        }
        let of = ranked
            .into_iter()
            .map(|(la, mut list)| {
                list.sort_unstable();
                (la, list.into_iter().map(|(_, n, _)| n).collect())
            })
            .collect();
        Ok(Neighbours {
            source: source.to_owned(),
            of,
        })
    }

    /// An LA's neighbours, closest first; empty for an LA the model lacks.
    pub fn of(&self, la: u16) -> &[u16] {
        self.of.get(&la).map_or(&[], Vec::as_slice)
    }

    /// Whether the model has the LA.
    pub fn has(&self, la: u16) -> bool {
        self.of.contains_key(&la)
    }

    /// What an analyst should know about the neighbours of the LAs
    /// reported, given the LAs the data has: an LA the model lacks, and
    /// neighbours the data lacks (an LA that older data calls by a
    /// pre-reorganisation code, or one not in the file). `when` names the
    /// year (and phase); `lacking` says what the data lacks of them.
    pub fn notes(
        &self,
        when: &str,
        reported: &[u16],
        present: &rustc_hash::FxHashSet<u16>,
        lacking: &str,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for &la in reported {
            if !self.has(la) {
                notes.push(format!(
                    "{when}: LA {la} is not in {}: it has no neighbours row",
                    self.source
                ));
                continue;
            }
            let missing: Vec<String> = self
                .of(la)
                .iter()
                .filter(|n| !present.contains(n))
                .map(u16::to_string)
                .collect();
            if !missing.is_empty() {
                notes.push(format!(
                    "{when}: LA {la}'s neighbours {} have {lacking}; its neighbour pool and average use the other {}",
                    missing.join(", "),
                    self.of(la).len() - missing.len()
                ));
            }
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_models_ship_with_ten_neighbours_each() {
        for year in ["2025", "2021"] {
            let model = Neighbours::choose(year).unwrap();
            assert!(model.of.len() >= 150, "{year}: {}", model.of.len());
            assert!(model.of.values().all(|n| n.len() == 10), "{year}");
        }
        // Thurrock's closest neighbour in both models.
        assert_eq!(Neighbours::choose("2025").unwrap().of(883).len(), 10);
        // Pre-reorganisation rows are left out: Northamptonshire 928 is not
        // a current LA in either model.
        assert!(!Neighbours::choose("2025").unwrap().has(928));
    }

    #[test]
    fn bad_rows_are_named() {
        let text = "la_code,rank,neighbour_la_code\n883,1,881\n883,x,882\n";
        match Neighbours::read_from(text.as_bytes(), "sn.csv") {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("rank")))
            }
            other => panic!("{other:?}"),
        }
        let text = "la_code,rank,neighbour_la_code\n883,1,883\n";
        assert!(Neighbours::read_from(text.as_bytes(), "sn.csv").is_err());
    }
}
