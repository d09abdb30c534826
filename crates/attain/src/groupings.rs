//! Groupings of schools: alliances, trusts, clusters, any set of schools an
//! analyst wants to see "as if they were one school".
//!
//! A groupings file has the columns `urn, group_id, group_name` (other
//! columns are ignored), one row per school and grouping; a school may belong
//! to several groupings.
//!
//! Trusts are built in: DfE's establishment file from Get Information About
//! Schools (`edubasealldata*.csv`, columns `URN`, `Trusts (code)`,
//! `Trusts (name)`) is read as a groupings file whose groupings are the
//! multi-academy trusts, so every trust's schools can be seen as one.
//! Schools with no trust are in no grouping. (No performance table has a
//! trust column.) With groupings, the gap table gains the level
//! `alliance`, whose unit is the `group_id`: the pupils of all its member
//! schools pooled, with the same intervals, gaps and suppression as any
//! other level. Pooling is a merge of the schools' summaries, so it is exact.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::geography::parse_urn;
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

    /// The warning for groupings with no pupils in the data (ids), if any:
    /// most often URNs that are not the data's (a school that converted to
    /// an academy has a new URN).
    pub fn note_without_pupils(ids: &[String], data: &str) -> Option<String> {
        if ids.is_empty() {
            return None;
        }
        let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
        Some(format!(
            "{} grouping{} with no pupils in {data}, left out ({}{}): check the groupings file's URNs (an academy has a new URN)",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if ids.len() > shown.len() { ", …" } else { "" }
        ))
    }

    pub fn read(path: impl AsRef<Path>) -> Result<Groupings> {
        let (file, source) = tables::open(path.as_ref())?;
        Self::read_from(file, &source)
    }

    /// Reads a groupings table (CSV) from any reader: `urn, group_id,
    /// group_name`, or GIAS's establishment file for trusts.
    pub fn read_from(reader: impl Read, source: &str) -> Result<Groupings> {
        Self::from_table(tables::read(reader, source)?)
    }

    /// As [`Groupings::read`], from a `DataFrame`'s columns; `source`
    /// names it in errors.
    pub fn from_dataframe(frame: &polars::prelude::DataFrame, source: &str) -> Result<Groupings> {
        Self::from_table(tables::from_frame(frame, source)?)
    }

    fn from_table<R: Read>(mut table: tables::CsvTable<R>) -> Result<Groupings> {
        let source = &table.source.clone();
        if table.find("Trusts (code)").is_some() && table.find("group_id").is_none() {
            return Self::read_trusts(table);
        }
        let what = "a groupings table (urn, group_id, group_name)";
        let (urn_at, id_at, name_at) = (
            table.require("urn", what)?,
            table.require("group_id", what)?,
            table.require("group_name", what)?,
        );
        let mut groupings = Groupings::default();
        let mut row = 1;
        while let Some(record) = table.next_row(false) {
            row += 1;
            let record = record?;
            let cell = |i: usize| record.get(i).unwrap_or("");
            let urn = parse_urn(cell(urn_at), source, row, "urn")?;
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
            let name = cell(name_at).trim();
            if let Some((_, earlier)) = groupings.groups.iter().find(|(g, _)| g == id) {
                if earlier != name {
                    return Err(Error::invalid(
                        source,
                        Some(row),
                        Some("group_name"),
                        Some(name),
                        format!("the name an earlier row gives grouping {id} ({earlier:?}): one name per group_id"),
                    ));
                }
            }
            groupings.add(urn, id, name);
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

impl Groupings {
    /// GIAS's establishment file: each school's trust. GIAS has published
    /// its file in Windows-1252, so names that are not UTF-8 are decoded
    /// lossily (a name is only a label; URNs and codes are ASCII).
    fn read_trusts<R: Read>(mut table: tables::CsvTable<R>) -> Result<Groupings> {
        let what = "GIAS's establishment file (URN, Trusts (code), Trusts (name))";
        let (urn_at, code_at, name_at) = (
            table.require("URN", what)?,
            table.require("Trusts (code)", what)?,
            table.require("Trusts (name)", what)?,
        );
        let source = table.source.clone();
        let mut groupings = Groupings::default();
        let mut row = 1u64;
        while let Some(record) = table.next_row(true) {
            row += 1;
            let record = record?;
            let text = |i: usize| record.get(i).unwrap_or("").to_owned();
            let code = text(code_at);
            let code = code.trim();
            if code.is_empty() {
                continue; // not in a trust
            }
            let urn_text = text(urn_at);
            let urn = parse_urn(&urn_text, &source, row, "URN")?;
            groupings.add(urn, code, text(name_at).trim());
        }
        if groupings.groups.is_empty() {
            return Err(Error::invalid(
                &source,
                None,
                Some("Trusts (code)"),
                None,
                "at least one school in a trust",
            ));
        }
        Ok(groupings)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trusts_come_from_the_gias_establishment_file() {
        // GIAS's columns, with a school outside any trust and a name in
        // Windows-1252 (0x92 is a right quote there, invalid UTF-8).
        let mut text = b"URN,LA (code),EstablishmentName,Trusts (code),Trusts (name)\n137315,850,Testwood School,3960,Testwood Trust\n116407,850,The Westgate School,,\n136156,850,Havant Academy,16044,St Mary".to_vec();
        text.push(0x92);
        text.extend_from_slice(b"s Trust\n139999,850,Another,3960,Testwood Trust\n");
        let groupings = Groupings::read_from(text.as_slice(), "edubasealldata.csv").unwrap();
        assert_eq!(groupings.groups.len(), 2);
        assert_eq!(
            groupings.groups[0],
            ("3960".into(), "Testwood Trust".into())
        );
        assert_eq!(groupings.of_school(137315), &[0]);
        assert_eq!(groupings.of_school(139999), &[0]);
        assert_eq!(groupings.of_school(136156), &[1]);
        assert!(groupings.of_school(116407).is_empty());
        assert!(groupings.groups[1].1.starts_with("St Mary"));
    }

    use super::*;

    #[test]
    fn a_school_may_belong_to_several_groupings() {
        let text = "urn,group_id,group_name,note\n100001,A1,North alliance,x\n100002,A1,North alliance,\n100001,T9,Trust nine,\n";
        let groupings = Groupings::read_from(text.as_bytes(), "groups.csv").unwrap();
        assert_eq!(groupings.groups.len(), 2);
        assert_eq!(groupings.of_school(100001), &[0, 1]);
        assert_eq!(groupings.of_school(100002), &[0]);
        assert!(groupings.of_school(5).is_empty());
        match Groupings::read_from(
            "urn,group_id,group_name\n1,A,North\n2,A,South\n".as_bytes(),
            "g.csv",
        ) {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("group_name")))
            }
            other => panic!("{other:?}"),
        }
        match Groupings::read_from("urn,group_id,group_name\nx,A,B\n".as_bytes(), "g.csv") {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("urn")))
            }
            other => panic!("{other:?}"),
        }
    }
}
