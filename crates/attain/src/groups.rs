//! Pupil groups and the groups they are compared with.
//!
//! Each pupil's characteristics are packed into a [`Profile`]: disadvantaged,
//! FSM, looked after, and SEN provision. There are only 24 profiles, so
//! summaries are kept per profile and every group is a union of profiles: a
//! group never needs another pass over the pupils.
//!
//! | group | members | compared with |
//! |---|---|---|
//! | `all` | every pupil | (no comparison) |
//! | `disadvantaged` | disadvantaged (FSM6CLA1A) | `not_disadvantaged` |
//! | `fsm` | known eligible for FSM at the census | `not_fsm` |
//! | `sen_support` | SEN support (K) | `no_sen` (N) |
//! | `ehcp` | education, health and care plan (E) | `no_sen` (N) |
//! | `sen_any` | SEN support or EHC plan (K or E) | `no_sen` (N) |
//! | `cla` | looked after continuously for 12 months | `not_cla` |

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// SEN provision: N no SEN, K SEN support, E EHC plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Sen {
    None = 0,
    Support = 1,
    Ehcp = 2,
}

impl Sen {
    pub fn parse(text: &str) -> Option<Sen> {
        match text {
            "N" => Some(Sen::None),
            "K" => Some(Sen::Support),
            "E" => Some(Sen::Ehcp),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sen::None => "N",
            Sen::Support => "K",
            Sen::Ehcp => "E",
        }
    }
}

/// A pupil's characteristics, packed: bit 0 disadvantaged, bit 1 FSM, bit 2
/// looked after, bits 3–4 SEN provision. Values run from 0 to 23.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Profile(u8);

impl Profile {
    /// How many distinct profiles there are (the size of a per-profile array).
    pub const COUNT: usize = 24;

    pub fn new(disadvantaged: bool, fsm: bool, cla: bool, sen: Sen) -> Profile {
        Profile(disadvantaged as u8 | (fsm as u8) << 1 | (cla as u8) << 2 | (sen as u8) << 3)
    }

    pub fn from_index(index: usize) -> Profile {
        debug_assert!(index < Self::COUNT);
        Profile(index as u8)
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }
    pub fn disadvantaged(self) -> bool {
        self.0 & 1 != 0
    }
    pub fn fsm(self) -> bool {
        self.0 & 2 != 0
    }
    pub fn cla(self) -> bool {
        self.0 & 4 != 0
    }
    pub fn sen(self) -> Sen {
        match self.0 >> 3 {
            0 => Sen::None,
            1 => Sen::Support,
            _ => Sen::Ehcp,
        }
    }
}

/// A set of pupils defined by their profile: a group's members or its
/// comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Population {
    All,
    Disadvantaged,
    NotDisadvantaged,
    Fsm,
    NotFsm,
    SenSupport,
    Ehcp,
    SenAny,
    NoSen,
    Cla,
    NotCla,
}

impl Population {
    pub const ALL: [Population; 11] = [
        Population::All,
        Population::Disadvantaged,
        Population::NotDisadvantaged,
        Population::Fsm,
        Population::NotFsm,
        Population::SenSupport,
        Population::Ehcp,
        Population::SenAny,
        Population::NoSen,
        Population::Cla,
        Population::NotCla,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Population::All => "all",
            Population::Disadvantaged => "disadvantaged",
            Population::NotDisadvantaged => "not_disadvantaged",
            Population::Fsm => "fsm",
            Population::NotFsm => "not_fsm",
            Population::SenSupport => "sen_support",
            Population::Ehcp => "ehcp",
            Population::SenAny => "sen_any",
            Population::NoSen => "no_sen",
            Population::Cla => "cla",
            Population::NotCla => "not_cla",
        }
    }

    pub fn contains(self, profile: Profile) -> bool {
        match self {
            Population::All => true,
            Population::Disadvantaged => profile.disadvantaged(),
            Population::NotDisadvantaged => !profile.disadvantaged(),
            Population::Fsm => profile.fsm(),
            Population::NotFsm => !profile.fsm(),
            Population::SenSupport => profile.sen() == Sen::Support,
            Population::Ehcp => profile.sen() == Sen::Ehcp,
            Population::SenAny => profile.sen() != Sen::None,
            Population::NoSen => profile.sen() == Sen::None,
            Population::Cla => profile.cla(),
            Population::NotCla => !profile.cla(),
        }
    }

    /// The profiles in this population, as a 24-bit mask (computed once:
    /// it is asked for twice a row of the gap table).
    pub fn profile_mask(self) -> u32 {
        static MASKS: std::sync::OnceLock<[u32; Population::ALL.len()]> =
            std::sync::OnceLock::new();
        MASKS.get_or_init(|| {
            Population::ALL.map(|population| {
                (0..Profile::COUNT)
                    .filter(|&index| population.contains(Profile::from_index(index)))
                    .fold(0, |mask, index| mask | 1 << index)
            })
        })[self as usize]
    }
}

impl fmt::Display for Population {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Population {
    type Err = Error;

    /// Reads a population name; `ehc_plan` and `non_disadvantaged` style
    /// spellings used in DfE releases are accepted too.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let wanted = match wanted.as_str() {
            "ehc_plan" => "ehcp",
            "non_disadvantaged" | "other" => "not_disadvantaged",
            "non_fsm" => "not_fsm",
            "no_sen_identified" => "no_sen",
            "non_cla" => "not_cla",
            other => other,
        };
        Population::ALL
            .into_iter()
            .find(|population| population.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Population::ALL.iter().map(|p| p.name()).collect();
                Error::Usage(format!(
                    "unknown group {text:?}: expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// A reporting group: its members and the pupils they are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    All,
    Disadvantaged,
    Fsm,
    SenSupport,
    Ehcp,
    SenAny,
    Cla,
}

impl Group {
    pub const ALL: [Group; 7] = [
        Group::All,
        Group::Disadvantaged,
        Group::Fsm,
        Group::SenSupport,
        Group::Ehcp,
        Group::SenAny,
        Group::Cla,
    ];

    pub fn name(self) -> &'static str {
        self.members().name()
    }

    pub fn members(self) -> Population {
        match self {
            Group::All => Population::All,
            Group::Disadvantaged => Population::Disadvantaged,
            Group::Fsm => Population::Fsm,
            Group::SenSupport => Population::SenSupport,
            Group::Ehcp => Population::Ehcp,
            Group::SenAny => Population::SenAny,
            Group::Cla => Population::Cla,
        }
    }

    /// The pupils this group is compared with; `None` for `all`.
    pub fn comparison(self) -> Option<Population> {
        match self {
            Group::All => None,
            Group::Disadvantaged => Some(Population::NotDisadvantaged),
            Group::Fsm => Some(Population::NotFsm),
            Group::SenSupport | Group::Ehcp | Group::SenAny => Some(Population::NoSen),
            Group::Cla => Some(Population::NotCla),
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_round_trip() {
        for index in 0..Profile::COUNT {
            let profile = Profile::from_index(index);
            let rebuilt = Profile::new(
                profile.disadvantaged(),
                profile.fsm(),
                profile.cla(),
                profile.sen(),
            );
            assert_eq!(rebuilt, profile);
        }
        assert_eq!(Profile::new(true, true, true, Sen::Ehcp).index(), 23);
    }

    #[test]
    fn member_and_comparison_never_overlap() {
        for group in Group::ALL {
            if let Some(comparison) = group.comparison() {
                assert_eq!(
                    group.members().profile_mask() & comparison.profile_mask(),
                    0,
                    "{group}"
                );
            }
        }
        assert_eq!(Population::All.profile_mask(), (1 << 24) - 1);
        // EHC plan pupils are neither SEN support members nor no-SEN comparisons.
        let ehcp = Profile::new(false, false, false, Sen::Ehcp);
        assert!(!Population::SenSupport.contains(ehcp) && !Population::NoSen.contains(ehcp));
    }
}
