//! Disclosure control that a reader cannot undo by subtraction.
//!
//! Primary suppression ([`crate::suppression`]) withholds a figure computed
//! from fewer than `min_cohort` pupils. That alone does not protect a
//! published table: the table carries linear relations, and a withheld
//! figure is often their only unknown. For each measure and year:
//!
//! * **within a unit**: all = disadvantaged + not disadvantaged, all = FSM +
//!   not FSM, all = looked-after + not looked-after, all = any SEN + no SEN,
//!   any SEN = SEN support + EHC plan, and all = SEN support + EHC plan +
//!   no SEN;
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
//! The rates of a phase count the same pupils, so a cell withheld in one
//! rate is withheld in every rate of its phase (its count, shown beside
//! another rate, would give it away). **Bounds** can pin a cell too: a
//! withheld cell has at least one pupil, a rate is met by between 0 and its
//! count, a rate that implies another (the higher standard, the expected
//! one) by no more; bounds on every hidden count and pupils meeting a rate
//! are tightened through the relations until they settle (interval
//! propagation), and a withheld cell whose count or rate comes out exact
//! takes a complement like any other. Chains of relations that determine a
//! cell only together are found by Gaussian elimination.
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
//! and bounds above; it does not stop a range. Shown counts of the other
//! cells bound a withheld count and rate without fixing them, ranks and national
//! quintiles place a withheld unit's value between its neighbours', and a
//! reader with outside knowledge (a school's roll, last year's table, a
//! pupil they know) can do more. Several tables of overlapping pupils
//! published separately (different minimum cohorts, different years' LAs)
//! are not protected against each other.

use std::rc::Rc;

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
    /// The rates, by measure index: the rates of one phase count the same
    /// pupils, and some imply others (higher standard ⊆ expected).
    pub cohorts: FxHashMap<u8, &'static crate::measures::Measure>,
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

/// The LAs a neighbour group of `la` adds up: only those in the data
/// (`every_la`, sorted), as a reader knows from `neighbours_used` that the
/// others add nothing.
pub(crate) fn neighbour_members(
    neighbours: Option<&crate::neighbours::Neighbours>,
    la: u16,
    every_la: &[u16],
) -> Vec<(Level, Unit)> {
    neighbours
        .map(|n| {
            n.of(la)
                .iter()
                .filter(|l| every_la.binary_search(l).is_ok())
                .map(|&l| (Level::La, Unit::La(l)))
                .collect()
        })
        .unwrap_or_default()
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
    /// Cells withheld since the last exact and bounds checks: only their
    /// components can hold anything new to find (withholding a cell adds an
    /// unknown, which never fixes a cell that was free).
    fresh: Vec<Cell>,
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
            self.fresh.push(cell);
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

    /// Withholds a cell withheld in one rate in every rate of its phase
    /// (they count the same pupils), settling the relations after, until
    /// nothing changes.
    fn spread_across_rates(&mut self) {
        loop {
            let mut queue = Queue::new(self.relations.len());
            let before = self.withheld.len();
            let withheld: Vec<Cell> = self.withheld.iter().copied().collect();
            for (level, unit, measure, population) in withheld {
                let Some(rate) = self.layout.cohorts.get(&measure) else {
                    continue;
                };
                let Some(shows) = self.layout.units.get(&(level, unit)) else {
                    continue;
                };
                for &(other, p) in shows {
                    let same_cohort = self
                        .layout
                        .cohorts
                        .get(&other)
                        .is_some_and(|m| m.phase == rate.phase);
                    // A cell with no pupils shows 0, which gives nothing away.
                    let no_pupils = self
                        .layout
                        .known
                        .get(&(level, unit, other, population))
                        .is_some_and(|k| k.0 == 0);
                    if p == population && other != measure && same_cohort && !no_pupils {
                        self.withhold((level, unit, other, population), &mut queue);
                    }
                }
            }
            if self.withheld.len() == before {
                return;
            }
            self.settle(queue);
        }
    }

    /// Withheld cells a reader can pin down from bounds: every withheld
    /// cell has at least one pupil (a cell without pupils shows 0), a rate's
    /// pupils meeting it are between 0 and its count, a rate that implies
    /// another (the higher standard, the expected one) is met by no more
    /// pupils, and every relation adds up, for counts and for pupils
    /// meeting a rate. Bounds are tightened relation by relation until they
    /// settle (interval propagation, as an integer solver presolves); a
    /// withheld cell whose count, or whose rate, comes out exact is
    /// returned.
    /// With the pinned cells, whether propagation ran out of its budget
    /// before settling (pins may then be missed).
    fn pinned(&self, components: &[Component]) -> (Vec<Cell>, bool) {
        let is_rate = |c: &Cell| self.layout.cohorts.contains_key(&c.2);
        // Unknowns: hidden cells in a relation with a withheld one. Each has
        // two variables: its count (2i) and its pupils meeting it (2i + 1).
        let mut index: FxHashMap<Cell, usize> = FxHashMap::default();
        let mut cells: Vec<Cell> = Vec::new();
        // Linear rows: Σ sign × variable + fixed = 0.
        let mut rows: Vec<(Vec<(f64, usize)>, f64)> = Vec::new();
        for relation in components
            .iter()
            .flat_map(|(_, rows)| rows)
            .map(|&r| &self.relations[r])
        {
            let quantities = if is_rate(&relation[0]) { 2 } else { 1 };
            let mut terms: Vec<(f64, usize)> = Vec::with_capacity(relation.len());
            let mut fixed = [0.0; 2];
            let mut usable = true;
            for (at, c) in relation.iter().enumerate() {
                let sign = if at == 0 { 1.0 } else { -1.0 };
                if self.hidden(c) {
                    let i = *index.entry(*c).or_insert_with(|| {
                        cells.push(*c);
                        cells.len() - 1
                    });
                    terms.push((sign, i));
                } else if let Some(&(count, met)) = self.layout.known.get(c) {
                    fixed[0] += sign * count as f64;
                    fixed[1] += sign * met.unwrap_or(0.0);
                } else {
                    usable = false;
                }
            }
            if !usable || terms.is_empty() {
                continue;
            }
            for (quantity, fixed) in fixed.iter().enumerate().take(quantities) {
                let variables = terms
                    .iter()
                    .map(|&(sign, i)| (sign, 2 * i + quantity))
                    .collect();
                rows.push((variables, *fixed));
            }
        }
        if cells.is_empty() {
            return (Vec::new(), false);
        }
        // Bounds (low, high). A withheld cell has pupils (one without shows
        // 0); a cell the table never lists may have none. Only a rate has
        // pupils meeting it.
        let mut bounds: Vec<(f64, f64)> = Vec::with_capacity(2 * cells.len());
        for c in &cells {
            let low = if self.withheld.contains(c) { 1.0 } else { 0.0 };
            bounds.push((low, f64::INFINITY));
            bounds.push(if is_rate(c) {
                (0.0, f64::INFINITY)
            } else {
                (0.0, 0.0)
            });
        }
        // Pairs (a, b) with a ≤ b: pupils meeting a rate and its count, and
        // pupils meeting a rate that implies another (the higher standard,
        // the expected one) and pupils meeting the other.
        let mut at_most: Vec<(usize, usize)> = Vec::new();
        for (i, &(level, unit, measure, population)) in cells.iter().enumerate() {
            let Some(rate) = self.layout.cohorts.get(&measure) else {
                continue;
            };
            at_most.push((2 * i + 1, 2 * i));
            for (&other, other_rate) in &self.layout.cohorts {
                if rate.implies(other_rate) {
                    if let Some(&j) = index.get(&(level, unit, other, population)) {
                        at_most.push((2 * i + 1, 2 * j + 1));
                    }
                }
            }
        }
        let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); bounds.len()];
        for (r, (terms, _)) in rows.iter().enumerate() {
            for &(_, v) in terms {
                rows_of[v].push(r);
            }
        }
        let mut pairs_of: Vec<Vec<usize>> = vec![Vec::new(); bounds.len()];
        for (p, &(a, b)) in at_most.iter().enumerate() {
            pairs_of[a].push(p);
            pairs_of[b].push(p);
        }
        // Integer bounds: a low rounds up, a high down.
        let tighten = |bounds: &mut (f64, f64), low: f64, high: f64| -> bool {
            let mut changed = false;
            if low > bounds.0 + 0.5 {
                bounds.0 = low.ceil();
                changed = true;
            }
            if high < bounds.1 - 0.5 {
                bounds.1 = high.floor();
                changed = true;
            }
            changed
        };
        // Propagation from a work list of rows, each row re-examined when
        // one of its variables tightens (bounds only tighten, and by whole
        // numbers; the budget stops slow creeping between large bounds).
        let mut queued = vec![true; rows.len()];
        let mut queue: std::collections::VecDeque<usize> = (0..rows.len()).collect();
        let mut budget = 50 * rows.len() + 1000;
        let mut changed_variables: Vec<usize> = Vec::new();
        let mut exhausted = false;
        while let Some(r) = queue.pop_front() {
            queued[r] = false;
            if budget == 0 {
                exhausted = true;
                break;
            }
            budget -= 1;
            let (terms, fixed) = &rows[r];
            // Each term's range as sign × x; the sums of the finite ends,
            // and how many ends are unbounded, so that one unbounded term
            // still leaves the others bounded.
            let range = |sign: f64, v: usize, bounds: &[(f64, f64)]| {
                let (low, high) = bounds[v];
                if sign > 0.0 {
                    (low, high)
                } else {
                    (-high, -low)
                }
            };
            let (mut low_sum, mut high_sum) = (*fixed, *fixed);
            let (mut low_open, mut high_open) = (0, 0);
            for &(sign, v) in terms {
                let (low, high) = range(sign, v, &bounds);
                if low.is_finite() {
                    low_sum += low;
                } else {
                    low_open += 1;
                }
                if high.is_finite() {
                    high_sum += high;
                } else {
                    high_open += 1;
                }
            }
            for &(sign, v) in terms {
                let (low, high) = range(sign, v, &bounds);
                // The rest (fixed and the other terms) and its range.
                let rest_low = match (low.is_finite(), low_open) {
                    (true, 0) => low_sum - low,
                    (false, 1) => low_sum,
                    _ => f64::NEG_INFINITY,
                };
                let rest_high = match (high.is_finite(), high_open) {
                    (true, 0) => high_sum - high,
                    (false, 1) => high_sum,
                    _ => f64::INFINITY,
                };
                // sign × x = −rest.
                let (low, high) = if sign > 0.0 {
                    (-rest_high, -rest_low)
                } else {
                    (rest_low, rest_high)
                };
                if tighten(&mut bounds[v], low, high) {
                    changed_variables.push(v);
                }
            }
            while let Some(v) = changed_variables.pop() {
                for &p in &pairs_of[v] {
                    let (a, b) = at_most[p];
                    let (a_low, b_high) = (bounds[a].0, bounds[b].1);
                    if tighten(&mut bounds[a], f64::NEG_INFINITY, b_high) {
                        changed_variables.push(a);
                    }
                    if tighten(&mut bounds[b], a_low, f64::INFINITY) {
                        changed_variables.push(b);
                    }
                }
                for &row in &rows_of[v] {
                    if !queued[row] {
                        queued[row] = true;
                        queue.push_back(row);
                    }
                }
            }
        }
        let pinned = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| self.withheld.contains(c))
            .filter(|&(i, c)| {
                let (n, k) = (bounds[2 * i], bounds[2 * i + 1]);
                // Bounds that cross come from figures a reader cannot take
                // exactly (rounded published percentages): no pin.
                if n.0 > n.1 || k.0 > k.1 {
                    return false;
                }
                let count_exact = n.0 == n.1;
                let rate_exact =
                    is_rate(c) && (k.1 == 0.0 || k.0 == n.1 || (count_exact && k.0 == k.1));
                count_exact || rate_exact
            })
            .map(|(_, c)| *c)
            .collect();
        (pinned, exhausted)
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
    /// together (chains of overlapping alliances, say), found by sparse
    /// Gauss-Jordan elimination over each component of linked unknowns; and
    /// how many withheld cells were in components too large to finish
    /// within [`EXACT_WORK`].
    fn determined(&self, components: &[Component]) -> (Vec<(Cell, Rc<Vec<usize>>)>, Vec<Cell>) {
        let mut found = Vec::new();
        let mut unchecked = Vec::new();
        for (unknowns, rows) in components {
            // Every component, not only those with alliances or neighbour
            // groups: the nested SEN relations can chain within one LA.
            if rows.is_empty() {
                continue;
            }
            let column: FxHashMap<Cell, u32> = unknowns
                .iter()
                .enumerate()
                .map(|(i, c)| (*c, i as u32))
                .collect();
            let matrix: Vec<SparseRow> = rows
                .iter()
                .map(|&r| {
                    let mut row: SparseRow = Vec::new();
                    for (k, c) in self.relations[r].iter().enumerate() {
                        if let Some(&j) = column.get(c) {
                            row.push((j, if k == 0 { 1.0 } else { -1.0 }));
                        }
                    }
                    tidy(&mut row);
                    row
                })
                .collect();
            let rows = Rc::new(rows.clone());
            match determined_columns(matrix, unknowns.len()) {
                Some(columns) => {
                    for j in columns {
                        let cell = unknowns[j as usize];
                        if self.withheld.contains(&cell) {
                            found.push((cell, rows.clone()));
                        }
                    }
                }
                None => unchecked.extend(
                    unknowns
                        .iter()
                        .filter(|c| self.withheld.contains(c))
                        .copied(),
                ),
            }
        }
        (found, unchecked)
    }

    /// The components of the hidden cells linked to `starts` through
    /// relations: each its unknowns and its relations.
    fn components(&self, starts: &[Cell]) -> Vec<Component> {
        let mut seen: FxHashSet<Cell> = FxHashSet::default();
        let mut components = Vec::new();
        for &start in starts {
            if !self.hidden(&start) || !seen.insert(start) {
                continue;
            }
            let mut unknowns = vec![start];
            let mut rows: Vec<usize> = Vec::new();
            let mut row_seen: FxHashSet<usize> = FxHashSet::default();
            let mut at = 0;
            while at < unknowns.len() {
                let cell = unknowns[at];
                at += 1;
                for &r in self.by_cell.get(&cell).into_iter().flatten() {
                    if row_seen.insert(r) {
                        rows.push(r);
                        for c in &self.relations[r] {
                            if self.hidden(c) && seen.insert(*c) {
                                unknowns.push(*c);
                            }
                        }
                    }
                }
            }
            components.push((unknowns, rows));
        }
        components
    }
}

/// A component of linked unknowns: its hidden cells and its relations.
type Component = (Vec<Cell>, Vec<usize>);

/// A sparse row: (column, coefficient), sorted by column.
type SparseRow = Vec<(u32, f64)>;

/// The most row-entry updates the exact check spends on one component
/// before it gives up, and [`decide`] with it: a dense component of n
/// unknowns costs about n³.
const EXACT_WORK: u64 = 400_000_000;

/// Sorts a row by column, adding up repeated columns and dropping zeros.
fn tidy(row: &mut SparseRow) {
    row.sort_unstable_by_key(|e| e.0);
    let mut out: SparseRow = Vec::with_capacity(row.len());
    for &(c, v) in row.iter() {
        match out.last_mut() {
            Some(last) if last.0 == c => last.1 += v,
            _ => out.push((c, v)),
        }
    }
    out.retain(|e| e.1.abs() > 1e-9);
    *row = out;
}

/// The columns a homogeneous linear system fixes: those whose unit vector
/// lies in the row space, found by sparse Gauss-Jordan elimination (each
/// pivot, chosen in the row's sparsest column, cleared from every other
/// row, so that a pivot row with no other entry fixes its column). `None`
/// when the work passes [`EXACT_WORK`].
///
/// Written by hand: the relations are ±1 rows of a few entries with a tree
/// of sums behind them, where Markowitz-style pivoting keeps fill small; a
/// dense solver costs n³ whatever the structure (2,500 unknowns took
/// seconds), and no sparse rank-revealing solver among Rust's crates
/// reports which unknowns are fixed.
fn determined_columns(mut rows: Vec<SparseRow>, width: usize) -> Option<Vec<u32>> {
    let mut in_column: Vec<Vec<u32>> = vec![Vec::new(); width];
    for (r, row) in rows.iter().enumerate() {
        for &(c, _) in row {
            in_column[c as usize].push(r as u32);
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&r| rows[r].len());
    let mut pivot_of: Vec<Option<u32>> = vec![None; rows.len()];
    let mut work: u64 = 0;
    for r in order {
        if rows[r].is_empty() {
            continue;
        }
        // Pivot on the entry whose column is in the fewest rows.
        let &(pivot, lead) = rows[r]
            .iter()
            .min_by_key(|e| (in_column[e.0 as usize].len(), e.0))
            .expect("a non-empty row");
        for e in rows[r].iter_mut() {
            e.1 /= lead;
        }
        let pivot_row = std::mem::take(&mut rows[r]);
        let others = std::mem::take(&mut in_column[pivot as usize]);
        for &o in &others {
            let o = o as usize;
            if o == r {
                continue;
            }
            let Ok(at) = rows[o].binary_search_by_key(&pivot, |e| e.0) else {
                continue; // cancelled since
            };
            let factor = rows[o][at].1;
            work += (rows[o].len() + pivot_row.len()) as u64;
            if work > EXACT_WORK {
                return None;
            }
            // rows[o] -= factor × pivot_row, merged.
            let old = std::mem::take(&mut rows[o]);
            let mut merged: SparseRow = Vec::with_capacity(old.len() + pivot_row.len());
            let (mut i, mut k) = (0, 0);
            while i < old.len() || k < pivot_row.len() {
                let (c, v) = match (old.get(i), pivot_row.get(k)) {
                    (Some(&(a, x)), Some(&(b, y))) if a == b => {
                        i += 1;
                        k += 1;
                        (a, x - factor * y)
                    }
                    (Some(&(a, x)), Some(&(b, _))) if a < b => {
                        i += 1;
                        (a, x)
                    }
                    (Some(&(a, x)), None) => {
                        i += 1;
                        (a, x)
                    }
                    (_, Some(&(b, y))) => {
                        // Not in the old row (sorted): a new entry.
                        k += 1;
                        in_column[b as usize].push(o as u32);
                        (b, -factor * y)
                    }
                    (None, None) => unreachable!(),
                };
                if v.abs() > 1e-9 {
                    merged.push((c, v));
                }
            }
            rows[o] = merged;
        }
        in_column[pivot as usize] = vec![r as u32];
        rows[r] = pivot_row;
        pivot_of[r] = Some(pivot);
    }
    Some(
        rows.iter()
            .zip(&pivot_of)
            .filter_map(|(row, pivot)| pivot.filter(|_| row.len() == 1))
            .collect(),
    )
}

/// Decides what to withhold: primary suppression; then, relation by
/// relation, a complement for a withheld cell that is its relation's one
/// unknown, and the total of a rate whose hidden parts must all be 0% or
/// all 100%; every rate of a phase withheld with any; then an exact check,
/// by elimination, that no withheld cell is determined by its relations
/// together, and a bounds check that none is pinned, withholding more
/// until neither finds one. Each round looks again only at the components
/// of the cells it withheld. An error when the exact check cannot finish
/// (groupings overlapping beyond [`EXACT_WORK`]): a table that may give
/// figures away is not returned.
pub fn decide(layout: &Layout) -> Result<Withheld> {
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
            // The two SEN relations together: all = SEN support + EHC plan
            // + no SEN. No new equation, but its bounds can pin what the
            // two apart do not.
            let cells = [
                Population::All,
                Population::SenSupport,
                Population::Ehcp,
                Population::NoSen,
            ]
            .map(|p| (level, unit, measure, p));
            if cells.iter().all(|c| shows.contains(&(c.2, c.3))) {
                relations.push(cells.to_vec());
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
        fresh: layout.primary.iter().copied().collect(),
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
    // Every rate of a phase counts the same pupils: a cell withheld in one
    // rate is withheld in all of them, or its count, shown beside another
    // rate, would give away the count withheld here (and with it bounds
    // that can pin the value). Chains of relations can determine what no
    // single relation does (the exact check). Each can make the other
    // withhold more: until neither does.
    // Each round withholds at least one more cell, so the loop ends; a
    // round that can withhold nothing more (which the relations should not
    // allow) leaves its cells counted as unchecked rather than looping.
    let mut unchecked: FxHashSet<Cell> = FxHashSet::default();
    for round in 0.. {
        decision.spread_across_rates();
        let fresh = std::mem::take(&mut decision.fresh);
        let components = decision.components(&fresh);
        let (determined, too_large) = decision.determined(&components);
        for (unknowns, _) in &components {
            for cell in unknowns {
                unchecked.remove(cell);
            }
        }
        unchecked.extend(too_large);
        // Bounds pin a cell: withhold a complement of its relations.
        let exact: FxHashSet<Cell> = determined.iter().map(|d| d.0).collect();
        // Which component each unknown is in, built only if a pinned cell
        // needs a complement beyond its own relations.
        let mut component_of: Option<FxHashMap<Cell, usize>> = None;
        let (pinned, exhausted) = decision.pinned(&components);
        if exhausted {
            // Pins may be missed: these components cannot be called safe.
            unchecked.extend(
                components
                    .iter()
                    .flat_map(|(unknowns, _)| unknowns)
                    .filter(|c| decision.withheld.contains(c))
                    .copied(),
            );
        }
        let pinned: Vec<Cell> = pinned
            .into_iter()
            .filter(|cell| !exact.contains(cell))
            .collect();
        if timing {
            eprintln!(
                "disclosure: round {round}: {} fresh cells in {} components, {} determined, {} pinned, in {:?}",
                fresh.len(),
                components.len(),
                determined.len(),
                pinned.len(),
                started.elapsed()
            );
        }
        if determined.is_empty() && pinned.is_empty() {
            break;
        }
        let before = decision.withheld.len();
        let mut queue = Queue::new(decision.relations.len());
        // A component's candidates, smallest first, worked out once a
        // round: a component of thousands of relations scanned again for
        // each of thousands of determined cells took seconds a round.
        let mut candidates: FxHashMap<*const Vec<usize>, (Vec<Cell>, usize)> = FxHashMap::default();
        let by_size = |c: &Cell| (layout.known.get(c).map_or(u64::MAX, |k| k.0), *c);
        // Relations given a new unknown this round: a cell in one of them
        // may be free now, and is looked at again next round rather than
        // given a complement it may not need.
        let mut touched: FxHashSet<usize> = FxHashSet::default();
        for (cell, component) in &determined {
            let rows = decision.by_cell.get(cell).into_iter().flatten();
            if rows.clone().any(|r| touched.contains(r)) {
                continue;
            }
            // A complement in the cell's own relations, else anywhere in
            // its component: each one withheld adds an unknown the relations
            // cannot pin down.
            let own = decision
                .by_cell
                .get(cell)
                .into_iter()
                .flatten()
                .filter_map(|&r| decision.complement(&decision.relations[r]))
                .min_by_key(by_size);
            let choice = own.or_else(|| {
                let (list, next) = candidates.entry(Rc::as_ptr(component)).or_insert_with(|| {
                    let mut list: Vec<Cell> = component
                        .iter()
                        .filter_map(|&r| decision.complement(&decision.relations[r]))
                        .collect();
                    list.sort_unstable_by_key(by_size);
                    list.dedup();
                    (list, 0)
                });
                while *next < list.len() && decision.withheld.contains(&list[*next]) {
                    *next += 1;
                }
                list.get(*next).copied()
            });
            if let Some(choice) = choice {
                decision.withhold(choice, &mut queue);
                touched.extend(decision.by_cell.get(&choice).into_iter().flatten());
            }
        }
        for cell in &pinned {
            // Bounds pin a rate at 0% or 100%, or a count, through some of
            // the cell's relations, which is not known here: each relation
            // with a shown cell gives one up, the smallest whose pupils both
            // met and missed a rate where there is one (it loosens every
            // bound at once; a cell that met it for none would leave a 0%
            // pin). One complement a round, in one relation, took a round
            // per school of a large LA.
            let rows = decision.by_cell.get(cell).cloned().unwrap_or_default();
            if rows.iter().any(|r| touched.contains(r)) {
                continue;
            }
            let withheld_before = decision.withheld.len();
            let mut chosen = Vec::new();
            for r in rows {
                let relation = &decision.relations[r];
                let mixed = relation
                    .iter()
                    .filter(|c| decision.shown_with_pupils(c))
                    .filter(|c| {
                        let (n, met) = layout.known[*c];
                        met.is_some_and(|m| m > 0.5 && m < n as f64 - 0.5)
                    })
                    .min_by_key(|c| (layout.known[*c].0, **c))
                    .copied();
                if let Some(choice) = mixed.or_else(|| decision.complement(relation)) {
                    decision.withhold(choice, &mut queue);
                    chosen.push(choice);
                }
            }
            // Pinned through a chain (an LA's 0% through an alliance of
            // schools the table does not show): anywhere in its component.
            if decision.withheld.len() == withheld_before {
                let component_of = component_of.get_or_insert_with(|| {
                    components
                        .iter()
                        .enumerate()
                        .flat_map(|(i, (unknowns, _))| unknowns.iter().map(move |c| (*c, i)))
                        .collect()
                });
                let component = &components[component_of[cell]].1;
                let choice = component
                    .iter()
                    .filter_map(|&r| decision.complement(&decision.relations[r]))
                    .min_by_key(by_size);
                if let Some(choice) = choice {
                    decision.withhold(choice, &mut queue);
                    chosen.push(choice);
                }
            }
            for choice in chosen {
                touched.extend(decision.by_cell.get(&choice).into_iter().flatten());
            }
        }
        if decision.withheld.len() == before {
            unchecked.extend(determined.iter().map(|d| d.0).chain(pinned));
            break;
        }
        decision.settle(queue);
    }
    // A table the check could not finish on may give figures away: an
    // error, not a table that looks safe.
    if !unchecked.is_empty() {
        return Err(Error::Usage(format!(
            "disclosure control could not finish checking {} withheld figures: the groupings overlap too densely for the exact check to finish. Give fewer or less overlapping groupings, or use --disclosure secure inside a secure setting",
            unchecked.len()
        )));
    }
    Ok(Withheld {
        primary: layout.primary.len(),
        secondary: decision.secondary,
        cells: decision.withheld,
    })
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
        let withheld = decide(&layout).unwrap();
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
        let withheld = decide(&layout).unwrap();
        // School 1 (2 pupils) is withheld; school 2 (3, the smallest other)
        // goes with it; the LA and school 3 stay.
        assert!(withheld.contains(Level::School, Unit::School(2), 0, Population::Cla));
        assert!(!withheld.contains(Level::School, Unit::School(3), 0, Population::Cla));
        assert!(!withheld.contains(Level::La, Unit::La(883), 0, Population::Cla));
    }

    /// LA 883's looked-after pupils (a mean), the sum of three schools';
    /// schools under 6 withheld.
    fn la_of_three_schools(schools: [u64; 3]) -> Withheld {
        let mut layout = Layout::default();
        let la = (Level::La, Unit::La(883));
        let total = schools.iter().sum();
        layout.add(
            (la.0, la.1, 0, Population::Cla),
            Some(total),
            Some(40.0),
            true,
            false,
        );
        for (urn, n) in (1..).zip(schools) {
            let (l, u) = school(urn);
            layout.add(
                (l, u, 0, Population::Cla),
                Some(n),
                Some(5.0 * n as f64),
                true,
                n < 6,
            );
        }
        layout
            .aggregates
            .push((la, vec![school(1), school(2), school(3)]));
        decide(&layout).unwrap()
    }

    #[test]
    fn withheld_cells_pinned_by_their_bounds_take_a_complement() {
        // An LA of 8 looked-after pupils: schools 1 and 2 have one each
        // (withheld), school 3 has 6 (shown). Two withheld schools satisfy
        // the relation, but a withheld cell has at least one pupil, so 1 + 1
        // = 8 - 6 gives both counts away: school 3 must go too.
        let withheld = la_of_three_schools([1, 1, 6]);
        assert!(withheld.contains(Level::School, Unit::School(3), 0, Population::Cla));
        // School 3 is enough (1 to 6 each, now): the LA keeps its figure.
        assert!(!withheld.contains(Level::La, Unit::La(883), 0, Population::Cla));
        assert_eq!(withheld.secondary, 1);
        // With 3 pupils each, the relation leaves 3 + 3 open: nothing more.
        let withheld = la_of_three_schools([3, 3, 6]);
        assert!(!withheld.contains(Level::School, Unit::School(3), 0, Population::Cla));
        assert_eq!(withheld.secondary, 0);
    }

    #[test]
    fn sparse_elimination_finds_the_columns_a_system_fixes() {
        let row = |entries: &[(u32, f64)]| entries.to_vec();
        // x0 = x1 + x2 and x1 = x2: nothing fixed.
        let rows = vec![
            row(&[(0, 1.0), (1, -1.0), (2, -1.0)]),
            row(&[(1, 1.0), (2, -1.0)]),
        ];
        assert!(determined_columns(rows.clone(), 3).unwrap().is_empty());
        // With x2 known too, all three are.
        let mut more = rows;
        more.push(row(&[(2, 1.0)]));
        let mut fixed = determined_columns(more, 3).unwrap();
        fixed.sort_unstable();
        assert_eq!(fixed, vec![0, 1, 2]);
        // A chain of overlapping pairs, a + b, b + c, c + d, and a + d
        // given as a sum with a: only an odd cycle fixes them, and this
        // even one (a + b − (b + c) + (c + d) − (d + a) = 0) fixes none;
        // a fifth relation on a alone fixes all four.
        let chain = vec![
            row(&[(0, 1.0), (1, 1.0)]),
            row(&[(1, 1.0), (2, 1.0)]),
            row(&[(2, 1.0), (3, 1.0)]),
            row(&[(0, 1.0), (3, 1.0)]),
        ];
        assert!(determined_columns(chain.clone(), 4).unwrap().is_empty());
        let mut pinned = chain;
        pinned.push(row(&[(0, 1.0)]));
        assert_eq!(determined_columns(pinned, 4).unwrap().len(), 4);
    }
}
