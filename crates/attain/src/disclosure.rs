//! Disclosure control that a reader cannot undo by subtraction.
//!
//! Primary suppression ([`crate::suppression`]) withholds a figure computed
//! from fewer than `min_cohort` pupils. That alone does not protect a
//! published table: the table carries linear relations, and a withheld
//! figure is often their only unknown. For each measure and year:
//!
//! * **within a unit**: all = disadvantaged + not disadvantaged, all = FSM +
//!   not FSM, all = looked-after + not looked-after, all = any SEN + no SEN,
//!   and any SEN = SEN support + EHC plan;
//! * **across units**: an LA = its schools, an alliance = its schools, a
//!   neighbour group = its LAs, England = its LAs and a region = its LAs.
//!
//! Each relation holds for counts and for totals (pupils meeting a rate, the
//! sum of a mean's values), so a reader who sees the count and value of all
//! but one of its cells recovers the last exactly. **Secondary
//! (complementary) suppression** withholds more cells until no relation has
//! exactly one withheld cell and every other cell shown: for a relation with
//! one, it withholds the smallest other cell with pupils (a part before the
//! total), and repeats until nothing changes. A withheld cell hides its
//! count too, so that counts cannot be subtracted either.
//!
//! Every figure derived from a withheld cell is withheld with it: its value,
//! interval, gaps, national gaps, significance flags, ranks, bands and
//! neighbour averages; trends, categorisation reasons and the report are
//! built from the same decisions. A row with any withheld cell is marked
//! `suppressed`.
//!
//! **Modes** ([`Disclosure`]): `publish` (the default) applies primary and
//! secondary suppression and hides withheld cells' counts: safe to publish.
//! `secure` applies primary suppression only and shows every count, for
//! analysts inside a secure setting. A minimum cohort of 0 turns suppression
//! off.
//!
//! **Counts.** DfE's statistics for vulnerable groups (children in need,
//! looked-after children) withhold counts of 1 to 5, where performance
//! tables show cohort sizes. Attain's groups include looked-after pupils and
//! pupils with an EHC plan, so in `publish` mode a withheld cell's count is
//! withheld with its value; counts of cells that are shown are exact.
//!
//! **What this does not protect.** It stops exact recovery by the relations
//! above; it does not stop bounds. A count bounds a withheld rate (shown
//! counts of the other cells bound the withheld count), ranks and national
//! quintiles place a withheld unit's value between its neighbours', and a
//! reader with outside knowledge (a school's roll, last year's table, a
//! pupil they know) can do more. Several tables of overlapping pupils
//! published separately (different minimum cohorts, different years' LAs)
//! are not protected against each other.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::geography::{Level, Unit};
use crate::groups::Population;

/// How much suppression the outputs apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Disclosure {
    /// Primary and secondary suppression, withheld counts hidden.
    #[default]
    Publish,
    /// Primary suppression only, every count shown.
    Secure,
}

impl Disclosure {
    pub fn parse(text: &str) -> Result<Disclosure> {
        match text.trim() {
            "publish" => Ok(Disclosure::Publish),
            "secure" => Ok(Disclosure::Secure),
            other => Err(Error::Usage(format!(
                "unknown disclosure mode {other:?}: expected publish (primary and secondary suppression, the default) or secure (primary only, for a secure setting)"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Disclosure::Publish => "publish",
            Disclosure::Secure => "secure",
        }
    }
}

/// A cell: a unit's figure for one measure (its index) and population.
pub type Cell = (Level, Unit, u8, Population);

/// The relations between populations within a unit: total = parts.
pub const WITHIN_UNIT: [(Population, [Population; 2]); 5] = [
    (
        Population::All,
        [Population::Disadvantaged, Population::NotDisadvantaged],
    ),
    (Population::All, [Population::Fsm, Population::NotFsm]),
    (Population::All, [Population::Cla, Population::NotCla]),
    (Population::All, [Population::SenAny, Population::NoSen]),
    (
        Population::SenAny,
        [Population::SenSupport, Population::Ehcp],
    ),
];

/// What a table shows, for deciding what to withhold: every cell shown
/// with its count (a cell shown without a value is unknown to a reader,
/// like a withheld one), and the units each aggregate unit adds up.
#[derive(Debug, Default)]
pub struct Layout {
    /// Cells shown with a value, or with a count of 0: their counts.
    pub known: FxHashMap<Cell, u64>,
    /// Cells withheld by primary suppression.
    pub primary: FxHashSet<Cell>,
    /// Units shown, with the measures and populations each shows.
    pub units: FxHashMap<(Level, Unit), Vec<(u8, Population)>>,
    /// Each aggregate unit and the units it adds up (shown or not).
    pub aggregates: Vec<((Level, Unit), Vec<(Level, Unit)>)>,
}

impl Layout {
    /// Records one shown cell: its count, whether it has a value, and
    /// whether primary suppression withholds it.
    pub fn add(&mut self, cell: Cell, n: Option<u64>, has_value: bool, withheld: bool) {
        let (level, unit, measure, population) = cell;
        let shows = self.units.entry((level, unit)).or_default();
        if !shows.contains(&(measure, population)) {
            shows.push((measure, population));
        }
        if withheld {
            self.primary.insert(cell);
        } else if has_value || n == Some(0) {
            if let Some(n) = n {
                self.known.insert(cell, n);
            }
        }
    }
}

/// The cells withheld, primary and secondary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Withheld {
    cells: FxHashSet<Cell>,
    pub primary: usize,
    pub secondary: usize,
}

impl Withheld {
    pub fn contains(
        &self,
        level: Level,
        unit: Unit,
        measure: usize,
        population: Population,
    ) -> bool {
        self.cells
            .contains(&(level, unit, measure as u8, population))
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// One relation: `cells[0]` = the sum of the rest.
type Relation = Vec<Cell>;

/// Decides what to withhold: primary suppression, then complementary
/// suppression until no relation has exactly one withheld cell and every
/// other cell known.
pub fn decide(layout: &Layout) -> Withheld {
    let mut relations: Vec<Relation> = Vec::new();
    for (&(level, unit), shows) in &layout.units {
        for &(measure, _) in shows {
            for (total, parts) in WITHIN_UNIT {
                let cells = [total, parts[0], parts[1]].map(|p| (level, unit, measure, p));
                if cells.iter().all(|c| shows.contains(&(c.2, c.3))) {
                    relations.push(cells.to_vec());
                }
            }
        }
    }
    relations.sort();
    relations.dedup();
    for ((level, unit), members) in &layout.aggregates {
        let Some(shows) = layout.units.get(&(*level, *unit)) else {
            continue;
        };
        for &(measure, population) in shows {
            let mut relation = vec![(*level, *unit, measure, population)];
            relation.extend(members.iter().map(|&(l, u)| (l, u, measure, population)));
            relations.push(relation);
        }
    }
    let mut by_cell: FxHashMap<Cell, Vec<usize>> = FxHashMap::default();
    for (index, relation) in relations.iter().enumerate() {
        for cell in relation {
            by_cell.entry(*cell).or_default().push(index);
        }
    }
    let mut withheld: FxHashSet<Cell> = layout.primary.clone();
    let mut queue: Vec<usize> = layout
        .primary
        .iter()
        .flat_map(|cell| by_cell.get(cell).into_iter().flatten().copied())
        .collect();
    let mut secondary = 0;
    while let Some(index) = queue.pop() {
        let relation = &relations[index];
        let mut hidden = 0;
        for cell in relation {
            if withheld.contains(cell) || !layout.known.contains_key(cell) {
                hidden += 1;
            }
        }
        let exposed = relation.iter().any(|c| withheld.contains(c));
        if hidden != 1 || !exposed {
            continue;
        }
        // The smallest part with pupils, else the total: it loses least and
        // keeps the headline figure where it can.
        let shown_with_pupils =
            |c: &&Cell| !withheld.contains(*c) && layout.known.get(*c).is_some_and(|&n| n > 0);
        let complement = relation[1..]
            .iter()
            .filter(shown_with_pupils)
            .min_by_key(|c| (layout.known[*c], **c))
            .or_else(|| Some(&relation[0]).filter(shown_with_pupils))
            .copied();
        // No other cell has pupils: nothing shown can be subtracted to
        // more than what the counts of 0 already say.
        let Some(complement) = complement else {
            continue;
        };
        if withheld.insert(complement) {
            secondary += 1;
            queue.extend(by_cell.get(&complement).into_iter().flatten().copied());
        }
    }
    Withheld {
        primary: layout.primary.len(),
        secondary,
        cells: withheld,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school(urn: u32) -> (Level, Unit) {
        (Level::School, Unit::School(urn))
    }

    #[test]
    fn a_lone_withheld_cell_takes_its_smallest_complement() {
        let mut layout = Layout::default();
        // One school: 30 pupils, 2 looked after (withheld), 28 not.
        let (level, unit) = school(100001);
        layout.add((level, unit, 0, Population::All), Some(30), true, false);
        layout.add((level, unit, 0, Population::Cla), Some(2), true, true);
        layout.add((level, unit, 0, Population::NotCla), Some(28), true, false);
        let withheld = decide(&layout);
        assert!(withheld.contains(level, unit, 0, Population::NotCla));
        assert!(!withheld.contains(level, unit, 0, Population::All));
        assert_eq!((withheld.primary, withheld.secondary), (1, 1));
    }

    #[test]
    fn an_la_of_schools_needs_two_withheld_schools() {
        let mut layout = Layout::default();
        let la = (Level::La, Unit::La(883));
        layout.add((la.0, la.1, 0, Population::Cla), Some(9), true, false);
        for (urn, n) in [(1, 2), (2, 3), (3, 4)] {
            let (l, u) = school(urn);
            layout.add((l, u, 0, Population::Cla), Some(n), true, n < 3);
        }
        layout
            .aggregates
            .push((la, vec![school(1), school(2), school(3)]));
        let withheld = decide(&layout);
        // School 1 (2 pupils) is withheld; school 2 (3, the smallest other)
        // goes with it; the LA and school 3 stay.
        assert!(withheld.contains(Level::School, Unit::School(2), 0, Population::Cla));
        assert!(!withheld.contains(Level::School, Unit::School(3), 0, Population::Cla));
        assert!(!withheld.contains(Level::La, Unit::La(883), 0, Population::Cla));
    }
}
