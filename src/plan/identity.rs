//! Who and what a plan is about: the service name, the owning team and the criticality, from
//! front matter, key/value tables, label lines (`**Team:** x`, `Owner team: x`) and the usual
//! prose (`owned by the x team`, ``the `x` service``, `a Tier 1 system`). Pure text in, facts out.

use super::markdown::{Block, Kind};
use super::quantities::words;
use crate::paths::check_safe_name;

/// One identity fact: manifest field and value.
#[derive(Debug, PartialEq)]
pub struct Fact {
    pub field: &'static str,
    pub value: String,
}

fn fact(field: &'static str, value: String) -> Fact {
    Fact { field, value }
}

pub const NAME: &str = "spec.project.id";
pub const OWNER: &str = "spec.business.owner";
pub const CRITICALITY: &str = "spec.business.criticality";

const NAME_KEYS: &[&str] = &[
    "service",
    "service name",
    "service id",
    "svc",
    "system",
    "component",
];
const OWNER_KEYS: &[&str] = &[
    "owner",
    "owners",
    "team",
    "owning team",
    "owner team",
    "team owner",
    "service owner",
    "team name",
    "maintainer",
    "maintainers",
    "maintained by",
    "owned by",
];
const CRITICALITY_KEYS: &[&str] = &[
    "criticality",
    "business criticality",
    "tier",
    "service tier",
    "priority",
    "business priority",
];

/// Lower-case, `-`-joined ASCII words of a text.
pub fn slug(text: &str) -> String {
    let s: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Label segments of a line: `Service: x · Team: y` gives two, `Service: x. More` one.
fn segments(line: &str) -> Vec<&str> {
    line.split(['·', '|'])
        .flat_map(super::scope::clauses)
        .collect()
}

/// `Key: value` (or `Key — value`) with a short alphabetic key (emoji and bullets before it
/// ignored).
pub fn label(segment: &str) -> Option<(String, String)> {
    let (key, value) = segment
        .split_once(':')
        .or_else(|| segment.split_once(" — "))
        .or_else(|| segment.split_once(" – "))?;
    let key = key
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim()
        .to_lowercase();
    let plain = key
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    let value = value.trim().trim_end_matches(['.', ';', ',']).trim();
    (plain && !key.is_empty() && key.split(' ').count() <= 3 && !value.is_empty())
        .then(|| (key, value.to_string()))
}

/// The identity fact a `key`/`value` pair states, if any.
pub fn labelled(key: &str, value: &str) -> Option<Fact> {
    if NAME_KEYS.contains(&key) {
        service_name(value).map(|v| fact(NAME, v))
    } else if OWNER_KEYS.contains(&key) {
        team(value).map(|v| fact(OWNER, v))
    } else if CRITICALITY_KEYS.contains(&key) {
        let value = if key.contains("tier") && !value.to_lowercase().contains("tier") {
            format!("tier {value}")
        } else {
            value.to_string()
        };
        criticality(&value).map(|v| fact(CRITICALITY, v.to_string()))
    } else {
        None
    }
}

/// Identity facts stated as labels on a line.
pub fn labels_in_line(line: &str) -> Vec<Fact> {
    segments(line)
        .into_iter()
        .filter_map(label)
        .filter_map(|(k, v)| labelled(&k, &v))
        .collect()
}

/// A service name from a label's value: the value itself when short, else its first word.
fn service_name(value: &str) -> Option<String> {
    let ws: Vec<&str> = value.split_whitespace().collect();
    let name = if ws.len() <= 3 {
        slug(value)
    } else {
        slug(ws[0])
    };
    check_safe_name(&name).ok().map(|_| name)
}

/// A team slug from free text: `the Messaging team` → `messaging`, `@edge-infra` → `edge-infra`.
pub fn team(value: &str) -> Option<String> {
    let value = value.split(['(', ',', ';', '—']).next().unwrap_or(value);
    let mut ws: Vec<&str> = value.split_whitespace().collect();
    while ws
        .first()
        .is_some_and(|w| matches!(w.to_lowercase().as_str(), "the" | "team"))
    {
        ws.remove(0);
    }
    if ws.last().is_some_and(|w| w.eq_ignore_ascii_case("team")) {
        ws.pop();
    }
    ws.truncate(5);
    let s = slug(&ws.join(" "));
    let s = s.strip_suffix("-team").unwrap_or(&s).to_string();
    check_safe_name(&s).ok().map(|_| s)
}

/// Criticality from a level, a tier or a priority (see docs/DECISIONS.md for the mapping).
pub fn criticality(value: &str) -> Option<&'static str> {
    let ws = words(value);
    ws.iter().enumerate().find_map(|(i, w)| match w.as_str() {
        "critical" | "mission-critical" => Some("critical"),
        "high" => Some("high"),
        "medium" | "moderate" => Some("medium"),
        "low" => Some("low"),
        "tier" => ws.get(i + 1).and_then(|n| n.parse().ok()).map(tier_level),
        p if p.len() == 2 && p.starts_with('p') => p[1..].parse().ok().map(tier_level),
        _ => None,
    })
}

/// Tier 0 and 1 (and P0/P1) are critical, 2 high, 3 medium, 4 and beyond low.
fn tier_level(n: u32) -> &'static str {
    match n {
        0 | 1 => "critical",
        2 => "high",
        3 => "medium",
        _ => "low",
    }
}

/// Identity facts from prose: `owned by the x team`, `the x team owns`, `criticality is x`,
/// `a Tier 1 system`, ``the `x` service``.
pub fn prose(text: &str, code: &[String]) -> Vec<Fact> {
    let mut out = Vec::new();
    let ours = super::scope::clauses(text)
        .into_iter()
        .filter(|c| !super::scope::about_other_system(c));
    for clause in ours {
        out.extend(named_in_code(clause, code).map(|n| fact(NAME, n)));
        let lower = clause.to_ascii_lowercase();
        if let Some(i) = lower.find("owned by ") {
            let rest = &clause[i + "owned by ".len()..];
            let until_team = rest
                .to_ascii_lowercase()
                .find(" team")
                .map_or(rest, |e| &rest[..e]);
            out.extend(team(until_team).map(|t| fact(OWNER, t)));
        }
        if let Some(i) = lower.find(" team owns") {
            let before = &clause[..i];
            let start = before
                .to_ascii_lowercase()
                .rfind("the ")
                .map_or(0, |s| s + 4);
            out.extend(team(&before[start..]).map(|t| fact(OWNER, t)));
        }
        let ws = words(clause);
        if let Some(i) = ws.iter().position(|w| w == "criticality")
            && let Some(level) = ws[i + 1..]
                .iter()
                .take(3)
                .find_map(|w| criticality(w).filter(|_| !w.starts_with('p')))
        {
            out.push(fact(CRITICALITY, level.into()));
        }
        if let Some(i) = ws.iter().position(|w| w == "tier")
            && let Some(level) = ws.get(i + 1).and_then(|n| n.parse().ok()).map(tier_level)
        {
            out.push(fact(CRITICALITY, level.into()));
        }
    }
    out
}

/// A name written as code in a title: ``# `ingest-gateway` rollout plan``.
pub fn titled(code: &[String]) -> Option<Fact> {
    code.iter()
        .map(|c| c.trim())
        .find(|c| is_identifier(c))
        .map(|c| fact(NAME, c.to_string()))
}

/// Lower-case letters, digits and `-`, and a safe name.
fn is_identifier(c: &str) -> bool {
    !c.is_empty()
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        && check_safe_name(c).is_ok()
}

/// A code span that names the service: ``the `x` service``, ``service `x` ``, `` `x-service` ``.
fn named_in_code(text: &str, code: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    code.iter().find_map(|c| {
        let c = c.trim();
        let named = [" service", " api"]
            .iter()
            .any(|s| lower.contains(&format!("{c}{s}")))
            || lower.contains(&format!("service {c}"))
            || ["-service", "-api", "-svc"].iter().any(|s| c.ends_with(s));
        (named && is_identifier(c)).then(|| c.to_string())
    })
}

/// Identity facts of a table row: a key/value table (`| Service | x |`), or the one data row
/// under identity keys (`| Service | Owner | Tier |`). A table of many rows under such keys
/// lists other services, and says nothing about this one.
pub fn row_facts(blocks: &[Block], b: &Block, header: &[String], cells: &[String]) -> Vec<Fact> {
    let key = |k: &str| {
        k.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut pairs: Vec<(&String, &String)> = cells.first().zip(cells.get(1)).into_iter().collect();
    let rows = blocks
        .iter()
        .filter(|o| o.outline == b.outline)
        .filter(|o| matches!(&o.kind, Kind::Row { header: h, .. } if h == header))
        .count();
    if rows == 1 {
        pairs.extend(header.iter().zip(cells));
    }
    pairs
        .into_iter()
        .filter_map(|(k, v)| labelled(&key(k), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_give_name_owner_and_mapped_tiers() {
        let facts = labels_in_line("Service: report-builder · Team: Insights · Tier 2");
        assert_eq!(
            facts,
            [
                fact(NAME, "report-builder".into()),
                fact(OWNER, "insights".into())
            ]
        );
        assert_eq!(labelled("tier", "0").unwrap().value, "critical");
        assert_eq!(labelled("priority", "P2").unwrap().value, "high");
        assert_eq!(labelled("criticality", "Tier 3").unwrap().value, "medium");
        assert_eq!(
            labelled("maintainers", "team maps-core").unwrap().value,
            "maps-core"
        );
        assert_eq!(team("integrations-team").as_deref(), Some("integrations"));
    }

    #[test]
    fn prose_gives_owner_tier_and_backticked_name() {
        let facts = prose(
            "The notification-dispatcher service is owned by the Messaging team. It is a Tier 1 system.",
            &["notification-dispatcher".into()],
        );
        assert!(facts.contains(&fact(OWNER, "messaging".into())));
        assert!(facts.contains(&fact(CRITICALITY, "critical".into())));
        assert!(facts.contains(&fact(NAME, "notification-dispatcher".into())));
        let facts = prose("The Basket team owns it.", &[]);
        assert_eq!(facts, [fact(OWNER, "basket".into())]);
        // Lower-casing that changes byte lengths must not shift the slices.
        let facts = prose("İİİ owned by the Ödön team.", &[]);
        assert_eq!(facts.len(), 1, "{facts:?}");
    }
}
