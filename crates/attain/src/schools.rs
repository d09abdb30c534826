//! Groupings of schools: alliances, trusts, clusters, any set of schools an
//! analyst wants to see "as if they were one school".
//!
//! A groupings file has the columns `urn, group_id, group_name` (other
//! columns are ignored), one row per school and grouping; a school may belong
//! to several groupings. With groupings, the gap table gains the level
//! `alliance`, whose unit is the `group_id`: the pupils of all its member
//! schools pooled, with the same intervals, gaps and suppression as any
//! other level. Pooling is a merge of the schools' summaries, so it is exact.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::tables;

/// Schools' groupings, by URN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Groupings {
    /// Each grouping's id and name, in the order first seen.
    pub groups: Vec<(String, String)>,
    /// The groupings (indices into `groups`) each school belongs to.
    members: FxHashMap<u32, Vec<u32>>,
}

impl Groupings {
    /// The groupings a school belongs to.
    pub fn of_school(&self, urn: u32) -> &[u32] {
        self.members.get(&urn).map_or(&[], Vec::as_slice)
    }

    /// Adds a school to a grouping (created if new).
    pub fn add(&mut self, urn: u32, group_id: &str, group_name: &str) {
        let index = match self.groups.iter().position(|(id, _)| id == group_id) {
            Some(index) => index,
            None => {
                self.groups
                    .push((group_id.to_owned(), group_name.to_owned()));
                self.groups.len() - 1
            }
        } as u32;
        let memberships = self.members.entry(urn).or_default();
        if !memberships.contains(&index) {
            memberships.push(index);
        }
    }

    pub fn read(path: impl AsRef<Path>) -> Result<Groupings> {
        let (file, source) = tables::open(path.as_ref())?;
        Self::read_from(file, &source)
    }

    /// Reads a groupings table (CSV) from any reader.
    pub fn read_from(reader: impl Read, source: &str) -> Result<Groupings> {
        let mut table = tables::read(reader, source)?;
        let what = "a groupings table (urn, group_id, group_name)";
        let (urn_at, id_at, name_at) = (
            table.require("urn", what)?,
            table.require("group_id", what)?,
            table.require("group_name", what)?,
        );
        let mut groupings = Groupings::default();
        for (index, record) in table.reader.records().enumerate() {
            let row = index as u64 + 2;
            let record = record.map_err(|e| Error::table(source, e))?;
            let cell = |i: usize| record.get(i).unwrap_or("");
            let urn = cell(urn_at)
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|u| (1..=99_999_999).contains(u))
                .ok_or_else(|| {
                    Error::invalid(
                        source,
                        Some(row),
                        Some("urn"),
                        Some(cell(urn_at)),
                        "a school URN, a whole number from 1 to 99999999",
                    )
                })?;
            let id = cell(id_at).trim();
            if id.is_empty() {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("group_id"),
                    Some(cell(id_at)),
                    "a non-empty grouping id",
                ));
            }
            groupings.add(urn, id, cell(name_at).trim());
        }
        if groupings.groups.is_empty() {
            return Err(Error::invalid(
                source,
                None,
                None,
                None,
                "a header row and at least one school's grouping",
            ));
        }
        Ok(groupings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_may_belong_to_several_groupings() {
        let text = "urn,group_id,group_name,note\n100001,A1,North alliance,x\n100002,A1,North alliance,\n100001,T9,Trust nine,\n";
        let groupings = Groupings::read_from(text.as_bytes(), "groups.csv").unwrap();
        assert_eq!(groupings.groups.len(), 2);
        assert_eq!(groupings.of_school(100001), &[0, 1]);
        assert_eq!(groupings.of_school(100002), &[0]);
        assert!(groupings.of_school(5).is_empty());
        match Groupings::read_from("urn,group_id,group_name\nx,A,B\n".as_bytes(), "g.csv") {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("urn")))
            }
            other => panic!("{other:?}"),
        }
    }
}
