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
    /// Cells shown with a value, or with a count of 0: their counts, and
    /// for a rate the number of pupils meeting it.
    pub known: FxHashMap<Cell, (u64, Option<f64>)>,
    /// Cells withheld by primary suppression.
    pub primary: FxHashSet<Cell>,
    /// Units shown, with the measures and populations each shows.
    pub units: FxHashMap<(Level, Unit), Vec<(u8, Population)>>,
    /// Each aggregate unit and the units it adds up (shown or not).
    pub aggregates: Vec<((Level, Unit), Vec<(Level, Unit)>)>,
}

impl Layout {
    /// Records one shown cell: its count, its value (percent for a rate,
    /// `met` the pupils meeting it), and whether primary suppression
    /// withholds it.
    pub fn add(
        &mut self,
        cell: Cell,
        n: Option<u64>,
        met: Option<f64>,
        has_value: bool,
        withheld: bool,
    ) {
        let (level, unit, measure, population) = cell;
        let shows = self.units.entry((level, unit)).or_default();
        if !shows.contains(&(measure, population)) {
            shows.push((measure, population));
        }
        if withheld {
            self.primary.insert(cell);
        } else if has_value || n == Some(0) {
            if let Some(n) = n {
                self.known
                    .insert(cell, (n, if n == 0 { Some(0.0) } else { met }));
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

/// The largest group of linked unknowns checked exactly by elimination
/// (see [`decide`]): an LA's table has a few hundred; a national table's
/// components are larger and rely on the relation-by-relation rules.
const EXACT_LIMIT: usize = 2500;

/// Relations to look at again, each at most once in the queue: a large
/// relation (an LA's schools, England's LAs) touched by many withholdings is
/// scanned once per batch, not once per withholding.
struct Queue {
    stack: Vec<usize>,
    queued: Vec<bool>,
}

impl Queue {
    fn new(relations: usize) -> Queue {
        Queue {
            stack: Vec::new(),
            queued: vec![false; relations],
        }
    }

    fn push(&mut self, relation: usize) {
        if !self.queued[relation] {
            self.queued[relation] = true;
            self.stack.push(relation);
        }
    }

    fn pop(&mut self) -> Option<usize> {
        let relation = self.stack.pop()?;
        self.queued[relation] = false;
        Some(relation)
    }
}

struct Decision<'a> {
    layout: &'a Layout,
    relations: Vec<Relation>,
    by_cell: FxHashMap<Cell, Vec<usize>>,
    withheld: FxHashSet<Cell>,
    secondary: usize,
}

impl Decision<'_> {
    fn hidden(&self, cell: &Cell) -> bool {
        self.withheld.contains(cell) || !self.layout.known.contains_key(cell)
    }

    fn shown_with_pupils(&self, cell: &Cell) -> bool {
        !self.withheld.contains(cell) && self.layout.known.get(cell).is_some_and(|k| k.0 > 0)
    }

    /// The smallest shown part with pupils, else the total.
    fn complement(&self, relation: &Relation) -> Option<Cell> {
        relation[1..]
            .iter()
            .filter(|c| self.shown_with_pupils(c))
            .min_by_key(|c| (self.layout.known[*c].0, **c))
            .or_else(|| Some(&relation[0]).filter(|c| self.shown_with_pupils(c)))
            .copied()
    }

    fn withhold(&mut self, cell: Cell, queue: &mut Queue) {
        if self.withheld.insert(cell) {
            self.secondary += 1;
            for &r in self.by_cell.get(&cell).into_iter().flatten() {
                queue.push(r);
            }
        }
    }

    /// What a relation gives away, if anything: a cell to withhold.
    fn exposure(&self, index: usize) -> Option<Cell> {
        let relation = &self.relations[index];
        if !relation.iter().any(|c| self.withheld.contains(c)) {
            return None;
        }
        let hidden: Vec<&Cell> = relation.iter().filter(|c| self.hidden(c)).collect();
        // One unknown: it is the total minus the rest.
        if hidden.len() == 1 {
            return self.complement(relation);
        }
        // Several unknown parts of a shown rate whose pupils meeting it, less
        // the shown parts', are none of them or all of them: every hidden
        // part is then 0% (or 100%). The total goes too.
        let total = relation[0];
        if !self.hidden(&total) {
            let (n, met) = self.layout.known[&total];
            let mut rest_n = n as f64;
            let mut rest_met = met?;
            for part in &relation[1..] {
                if let Some(&(pn, pm)) = self
                    .layout
                    .known
                    .get(part)
                    .filter(|_| !self.withheld.contains(part))
                {
                    rest_n -= pn as f64;
                    rest_met -= pm?;
                }
            }
            let none_met = rest_met.abs() < 1e-6;
            let all_met = (rest_met - rest_n).abs() < 1e-6;
            if rest_n > 0.5 && (none_met || all_met) {
                // Hide a shown part that breaks the pattern (one with some
                // pupils who did not meet it, or some who did), the smallest;
                // the total only when no part can: an LA keeps its figure
                // when its withheld schools all met a measure.
                let breaks = relation[1..]
                    .iter()
                    .filter(|c| self.shown_with_pupils(c))
                    .filter(|c| {
                        let (n, met) = self.layout.known[*c];
                        met.is_some_and(|m| if all_met { m < n as f64 - 0.5 } else { m > 0.5 })
                    })
                    .min_by_key(|c| (self.layout.known[*c].0, **c))
                    .copied();
                return Some(breaks.unwrap_or(total));
            }
        }
        None
    }

    /// Relation by relation until nothing changes.
    fn settle(&mut self, mut queue: Queue) {
        while let Some(index) = queue.pop() {
            if let Some(cell) = self.exposure(index) {
                self.withhold(cell, &mut queue);
                queue.push(index);
            }
        }
    }

    /// Withheld cells that the relations of their component determine
    /// together (chains of overlapping alliances, say), found by Gaussian
    /// elimination over each component of linked unknowns up to
    /// [`EXACT_LIMIT`] of them.
    fn determined(&self) -> Vec<(Cell, Vec<usize>)> {
        let mut seen: FxHashSet<Cell> = FxHashSet::default();
        let mut found = Vec::new();
        // Relations within a unit and up a hierarchy (schools, LAs,
        // England) are kept safe relation by relation; what a chain can
        // solve comes from alliances and neighbour groups, which overlap:
        // the exact check starts from their cells, so a national table
        // without them costs nothing here.
        let overlapping = |c: &Cell| {
            matches!(c.0, Level::Alliance | Level::Neighbours)
                || self.by_cell.get(c).is_some_and(|rows| {
                    rows.iter().any(|&r| {
                        matches!(self.relations[r][0].0, Level::Alliance | Level::Neighbours)
                    })
                })
        };
        let starts: Vec<Cell> = self
            .withheld
            .iter()
            .filter(|c| overlapping(c))
            .copied()
            .collect();
        for start in starts {
            if !seen.insert(start) {
                continue;
            }
            // The component: unknowns linked through relations.
            let mut unknowns = vec![start];
            let mut rows: FxHashSet<usize> = FxHashSet::default();
            let mut at = 0;
            while at < unknowns.len() && unknowns.len() <= EXACT_LIMIT {
                let cell = unknowns[at];
                at += 1;
                for &r in self.by_cell.get(&cell).into_iter().flatten() {
                    if rows.insert(r) {
                        for c in &self.relations[r] {
                            if self.hidden(c) && seen.insert(*c) {
                                unknowns.push(*c);
                            }
                        }
                    }
                }
            }
            if unknowns.len() > EXACT_LIMIT || rows.is_empty() {
                continue;
            }
            let column: FxHashMap<Cell, usize> =
                unknowns.iter().enumerate().map(|(i, c)| (*c, i)).collect();
            let width = unknowns.len();
            let mut matrix: Vec<Vec<f64>> = rows
                .iter()
                .map(|&r| {
                    let mut row = vec![0.0; width];
                    for (k, c) in self.relations[r].iter().enumerate() {
                        if let Some(&j) = column.get(c) {
                            row[j] += if k == 0 { 1.0 } else { -1.0 };
                        }
                    }
                    row
                })
                .collect();
            let mut pivots = Vec::new();
            let mut next = 0;
            for j in 0..width {
                let Some(best) = (next..matrix.len()).find(|&r| matrix[r][j].abs() > 1e-9) else {
                    continue;
                };
                matrix.swap(next, best);
                let lead = matrix[next][j];
                for x in matrix[next].iter_mut() {
                    *x /= lead;
                }
                for r in 0..matrix.len() {
                    if r != next && matrix[r][j].abs() > 1e-12 {
                        let factor = matrix[r][j];
                        let (pivot_row, other) = if r < next {
                            let (a, b) = matrix.split_at_mut(next);
                            (&b[0], &mut a[r])
                        } else {
                            let (a, b) = matrix.split_at_mut(r);
                            (&a[next], &mut b[0])
                        };
                        for (x, p) in other.iter_mut().zip(pivot_row) {
                            *x -= factor * p;
                        }
                    }
                }
                pivots.push((next, j));
                next += 1;
                if next == matrix.len() {
                    break;
                }
            }
            let pivot_columns: FxHashSet<usize> = pivots.iter().map(|p| p.1).collect();
            let component: Vec<usize> = rows.iter().copied().collect();
            for (r, j) in pivots {
                let free =
                    (0..width).any(|c| !pivot_columns.contains(&c) && matrix[r][c].abs() > 1e-9);
                let cell = unknowns[j];
                if !free && self.withheld.contains(&cell) {
                    found.push((cell, component.clone()));
                }
            }
        }
        found
    }
}

/// Decides what to withhold: primary suppression; then, relation by
/// relation, a complement for a withheld cell that is its relation's one
/// unknown, and the total of a rate whose hidden parts must all be 0% or
/// all 100%; then an exact check, by elimination, that no withheld cell is
/// determined by its relations together, withholding more until none is.
pub fn decide(layout: &Layout) -> Withheld {
    let timing = std::env::var_os("ATTAIN_TIMING").is_some();
    let started = std::time::Instant::now();
    let mut relations: Vec<Relation> = Vec::new();
    for (&(level, unit), shows) in &layout.units {
        let mut measures: Vec<u8> = shows.iter().map(|s| s.0).collect();
        measures.sort_unstable();
        measures.dedup();
        for measure in measures {
            for (total, parts) in WITHIN_UNIT {
                let cells = [total, parts[0], parts[1]].map(|p| (level, unit, measure, p));
                if cells.iter().all(|c| shows.contains(&(c.2, c.3))) {
                    relations.push(cells.to_vec());
                }
            }
        }
    }
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
    let mut decision = Decision {
        layout,
        relations,
        by_cell,
        withheld: layout.primary.clone(),
        secondary: 0,
    };
    if timing {
        eprintln!(
            "disclosure: {} relations in {:?}",
            decision.relations.len(),
            started.elapsed()
        );
    }
    let mut queue = Queue::new(decision.relations.len());
    for relation in (0..decision.relations.len()).rev() {
        queue.push(relation);
    }
    decision.settle(queue);
    if timing {
        eprintln!("disclosure: settled in {:?}", started.elapsed());
    }
    // Chains of relations can determine what no single relation does.
    for _ in 0..64 {
        let determined = decision.determined();
        if determined.is_empty() {
            break;
        }
        let mut queue = Queue::new(decision.relations.len());
        for (cell, component) in determined {
            // A complement in the cell's own relations, else anywhere in
            // its component: each one withheld adds an unknown the relations
            // cannot pin down.
            let smallest = |rows: &mut dyn Iterator<Item = usize>| {
                rows.filter_map(|r| decision.complement(&decision.relations[r]))
                    .min_by_key(|c| (layout.known.get(c).map_or(u64::MAX, |k| k.0), *c))
            };
            let own = smallest(&mut decision.by_cell.get(&cell).into_iter().flatten().copied());
            let choice = own.or_else(|| smallest(&mut component.iter().copied()));
            if let Some(choice) = choice {
                decision.withhold(choice, &mut queue);
            }
        }
        decision.settle(queue);
    }
    Withheld {
        primary: layout.primary.len(),
        secondary: decision.secondary,
        cells: decision.withheld,
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
        layout.add(
            (level, unit, 0, Population::All),
            Some(30),
            Some(20.0),
            true,
            false,
        );
        layout.add(
            (level, unit, 0, Population::Cla),
            Some(2),
            Some(1.0),
            true,
            true,
        );
        layout.add(
            (level, unit, 0, Population::NotCla),
            Some(28),
            Some(19.0),
            true,
            false,
        );
        let withheld = decide(&layout);
        assert!(withheld.contains(level, unit, 0, Population::NotCla));
        assert!(!withheld.contains(level, unit, 0, Population::All));
        assert_eq!((withheld.primary, withheld.secondary), (1, 1));
    }

    #[test]
    fn an_la_of_schools_needs_two_withheld_schools() {
        let mut layout = Layout::default();
        let la = (Level::La, Unit::La(883));
        layout.add(
            (la.0, la.1, 0, Population::Cla),
            Some(9),
            Some(4.0),
            true,
            false,
        );
        for (urn, n) in [(1, 2), (2, 3), (3, 4)] {
            let (l, u) = school(urn);
            layout.add((l, u, 0, Population::Cla), Some(n), Some(1.0), true, n < 3);
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
