//! Risks from every section about what can go wrong, whatever its heading ("Risk register",
//! "Failure modes", "What could go wrong", "Threats"…): table rows (the description column
//! wherever it stands), list items (a bold title, an em-dash, `Risk:`), numbered items and
//! sub-headings, each with its mitigation where the plan states one. A table header is never
//! a risk: only data rows are read. Pure: blocks in, risk documents out.

use crate::model::manifest::RISK_TYPES;
use serde_json::{Map, Value as Json, json};

use super::markdown::{Block, Kind};

/// Heading words that announce a section about what can go wrong.
const RISK_HEADINGS: &[&str] = &[
    "risk",
    "threat",
    "failure mode",
    "go wrong",
    "could go",
    "might go",
    "downside",
    "drawback",
    "worr",
    "caveat",
    "concern",
    "pitfall",
    "hazard",
    "what if",
];

/// Phrases that say the rest of a risk's text is its mitigation.
const MITIGATION_MARKERS: &[&str] = &[
    "mitigations:",
    "mitigation:",
    "mitigated by",
    "mitigation -",
];

/// Phrases that, after a separator, make the rest of the text a response to the risk.
const RESPONSE_CUES: &[&str] = &[
    "fall back",
    "falls back",
    "fallback",
    "fail over",
    "fails over",
    "fails open",
    "mitigat",
];

/// Heading words that announce it as whole words only ("What might break", not "Cost breakdown").
const RISK_HEADING_WORDS: &[&str] = &["break", "breaks", "breakage", "fail", "fails"];

/// Whether a heading is about what can go wrong.
pub fn is_risk_heading(heading: &str) -> bool {
    let h = heading.to_lowercase();
    RISK_HEADINGS.iter().any(|w| h.contains(w))
        || super::quantities::words(&h)
            .iter()
            .any(|w| RISK_HEADING_WORDS.contains(&w.as_str()))
}

/// Whether a block sits under a heading about what can go wrong.
pub fn in_risk_section(b: &Block) -> bool {
    b.outline.iter().any(|h| is_risk_heading(h))
}

/// The risk that block `i` of `blocks` states, if it states one.
pub fn risk_of(blocks: &[Block], i: usize) -> Option<Json> {
    let b = &blocks[i];
    let body = || {
        blocks
            .iter()
            .filter(move |o| o.outline == b.outline && !is_heading(o))
    };
    match &b.kind {
        Kind::Row { header, cells } => row_risk(header, cells),
        Kind::Item { depth: 1, .. } => {
            let text = strip_label(&b.text);
            let (description, mut mitigation) = split_mitigation(text, b.lead.as_deref());
            let nested = blocks.iter().filter(|o| {
                matches!(o.kind, Kind::Item { depth, .. } if depth > 1)
                    && o.line_start > b.line_start
                    && o.line_end <= b.line_end
            });
            for child in nested {
                if let Some(m) = after_marker(&child.text) {
                    mitigation.get_or_insert(m);
                }
            }
            risk(description, mitigation, Map::new())
        }
        Kind::Heading(_) => {
            // A sub-heading of a risk section whose body is prose: the heading is the risk.
            let parent = &b.outline[..b.outline.len().saturating_sub(1)];
            if !parent.iter().any(|h| is_risk_heading(h))
                || b.text.to_lowercase().contains("mitigation")
                || body().any(is_list_or_row)
            {
                return None;
            }
            let mitigation = body().find_map(|o| after_marker(&o.text));
            risk(strip_id(&b.text).to_string(), mitigation, Map::new())
        }
        Kind::Paragraph => {
            // Prose right under a risk heading (not under one of its risk sub-headings).
            let n = b.outline.len();
            let directly_under =
                is_risk_heading(&b.section) && !(n >= 2 && is_risk_heading(&b.outline[n - 2]));
            if !directly_under || body().any(is_list_or_row) || b.text.ends_with(':') {
                return None;
            }
            let (description, mitigation) = split_mitigation(&b.text, b.lead.as_deref());
            risk(description, mitigation, Map::new())
        }
        Kind::Item { .. } | Kind::Meta => None,
    }
}

fn is_heading(b: &Block) -> bool {
    matches!(b.kind, Kind::Heading(_))
}

fn is_list_or_row(b: &Block) -> bool {
    matches!(b.kind, Kind::Item { .. } | Kind::Row { .. })
}

/// `Risk: x` → `x`.
fn strip_label(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    ["risk:", "risk -", "threat:"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map_or(text, |p| text[p.len()..].trim())
}

/// `R1. Data loss` / `1) Data loss` / `Risk 2: Data loss` → `Data loss`.
fn strip_id(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    let text = ["risk ", "threat "]
        .iter()
        .find(|w| lower.starts_with(*w))
        .map_or(text, |w| &text[w.len()..]);
    match text.split_once(' ') {
        Some((id, rest))
            if id.ends_with(['.', ':', ')'])
                && id.chars().any(|c| c.is_ascii_digit())
                && id.len() <= 8 =>
        {
            rest.trim()
        }
        _ => text,
    }
}

/// The text after a mitigation marker, when the text has one.
fn after_marker(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    MITIGATION_MARKERS.iter().find_map(|m| {
        lower
            .find(m)
            .map(|at| clean(&text[at + m.len()..]))
            .filter(|m| !m.is_empty())
    })
}

fn clean(text: &str) -> String {
    text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ';' | ',' | '.' | ':' | '—' | '–' | '-')
    })
    .to_string()
}

/// Description and mitigation of a risk's text: an explicit `Mitigation:`; a response after
/// `;`, `:` or an em-dash (`…; fall back to x`); or, after a bold title and more description,
/// whatever follows the last em-dash (`**Title** when y — do z`).
fn split_mitigation(text: &str, lead: Option<&str>) -> (String, Option<String>) {
    let lower = text.to_ascii_lowercase();
    if let Some((at, m)) = MITIGATION_MARKERS
        .iter()
        .find_map(|m| lower.find(m).map(|at| (at, m)))
    {
        return (clean(&text[..at]), Some(clean(&text[at + m.len()..])));
    }
    for sep in ["; ", " — ", " – ", ": "] {
        if let Some(at) = text.find(sep)
            && RESPONSE_CUES.iter().any(|c| lower[at..].contains(c))
        {
            return (clean(&text[..at]), Some(clean(&text[at + sep.len()..])));
        }
    }
    if let Some(lead) = lead.filter(|l| text.starts_with(*l)) {
        let rest = text[lead.len()..]
            .trim_start_matches(|c: char| c.is_whitespace() || "—–-:".contains(c));
        if let Some(at) = rest.rfind(" — ") {
            let cut = text.len() - rest.len() + at;
            return (clean(&text[..cut]), Some(clean(&rest[at + " — ".len()..])));
        }
    }
    (clean(text), None)
}

/// Which column of a risk table holds the description: a `description` column, else one named
/// like a risk (`Risk`, `Threat`, `Failure`, `Issue`), else a `Title`, else the longest cell.
fn description_column(header: &[String], cells: &[String]) -> Option<usize> {
    let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
    let is_id = |h: &str| h.contains('#') || h.split([' ', '-']).any(|w| w == "id" || w == "no");
    let named = |words: &[&str]| {
        lower
            .iter()
            .position(|h| !is_id(h) && words.iter().any(|w| h.contains(w)))
    };
    named(&["description"])
        .or_else(|| {
            named(&[
                "risk", "threat", "failure", "issue", "hazard", "concern", "what",
            ])
        })
        .or_else(|| named(&["title", "summary"]))
        .or_else(|| {
            (0..cells.len())
                .filter(|i| !lower.get(*i).is_some_and(|h| h.contains("mitigation")))
                .max_by_key(|i| cells[*i].len())
        })
}

fn row_risk(header: &[String], cells: &[String]) -> Option<Json> {
    let column = description_column(header, cells)?;
    let description = cells.get(column).filter(|d| !d.is_empty())?.clone();
    let mut mitigation = None;
    let mut extra = Map::new();
    for (i, (h, v)) in header.iter().zip(cells).enumerate() {
        let h = h.to_lowercase();
        if i == column || v.is_empty() {
            continue;
        }
        if h.contains("mitigation") || h.contains("response") {
            mitigation = Some(v.clone());
        } else if h.contains("impact") || h.contains("severity") || h.contains("priority") {
            if let Some(p) = priority_of(v) {
                extra.insert("priority".into(), json!(p));
            }
        } else if h.contains("likelihood") || h.contains("probability") {
            extra.insert(
                "scope".into(),
                json!(format!("likelihood: {}", v.to_lowercase())),
            );
        } else if h.contains("type") || h.contains("category") {
            extra.insert("type".into(), json!(v.to_lowercase()));
        }
    }
    risk(description, mitigation, extra)
}

fn priority_of(text: &str) -> Option<&'static str> {
    Some(match text.to_lowercase().trim() {
        "p1" | "critical" | "very high" | "severe" => "P1",
        "p2" | "high" | "major" => "P2",
        "p3" | "medium" | "moderate" => "P3",
        "p4" | "low" | "minor" => "P4",
        _ => return None,
    })
}

/// A risk document in the manifest's key order; none without a description.
fn risk(
    description: String,
    mitigation: Option<String>,
    mut extra: Map<String, Json>,
) -> Option<Json> {
    if description.is_empty() {
        return None;
    }
    let mut out = Map::new();
    let stated = extra.remove("type");
    let stated = stated.as_ref().and_then(Json::as_str).unwrap_or("");
    out.insert("type".into(), json!(risk_type_of(stated, &description)));
    out.insert("description".into(), json!(description));
    if let Some(p) = extra.remove("priority") {
        out.insert("priority".into(), p);
    }
    if let Some(m) = mitigation.filter(|m| !m.is_empty()) {
        out.insert("mitigation".into(), json!(m));
    }
    if let Some(s) = extra.remove("scope") {
        out.insert("scope".into(), s);
    }
    Some(Json::Object(out))
}

/// Words that place a risk in one of the manifest's risk types, checked in this order.
const RISK_TYPE_WORDS: &[(&str, &[&str])] = &[
    (
        "security",
        &[
            "security",
            "auth",
            "credential",
            "encrypt",
            "vulnerab",
            "attack",
            "breach",
            "injection",
        ],
    ),
    (
        "compliance",
        &[
            "compliance",
            "regulat",
            "audit",
            "gdpr",
            "hipaa",
            "pci",
            "sox",
            "legal",
        ],
    ),
    (
        "data-integrity",
        &[
            "data integrity",
            "corrupt",
            "data loss",
            "consisten",
            "backup",
            "replication",
        ],
    ),
    (
        "availability",
        &[
            "availability",
            "uptime",
            "downtime",
            "outage",
            "failover",
            "disaster",
            "redundan",
        ],
    ),
    (
        "financial",
        &["cost", "budget", "spend", "billing", "financial", "revenue"],
    ),
    (
        "reputational",
        &["reputation", "customer trust", "brand", "public", "media"],
    ),
];

/// The risk type of a plan risk: the stated type when it is one of the manifest's, else the
/// first type whose words the stated type or description mention, else `availability` (the
/// type every service has), as the earlier implementation did.
fn risk_type_of(stated: &str, description: &str) -> &'static str {
    let stated = stated.trim().to_lowercase();
    if let Some(t) = RISK_TYPES.iter().find(|t| **t == stated) {
        return t;
    }
    let text = format!("{stated} {}", description.to_lowercase());
    RISK_TYPE_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| text.contains(w)))
        .map_or("availability", |(t, _)| t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plan_risks_get_one_of_the_manifest_risk_types() {
        use super::{RISK_TYPE_WORDS, RISK_TYPES, risk_type_of};
        assert_eq!(risk_type_of("Security", "anything"), "security");
        assert_eq!(
            risk_type_of("operational", "Backup restore never tested"),
            "data-integrity"
        );
        assert_eq!(risk_type_of("", "Cloud spend doubles at peak"), "financial");
        assert_eq!(
            risk_type_of("", "Index rebuilds starve queries"),
            "availability"
        );
        assert!(RISK_TYPE_WORDS.iter().all(|(t, _)| RISK_TYPES.contains(t)));
    }

    use super::*;

    #[test]
    fn mitigations_are_split_off_in_the_usual_spellings() {
        let (d, m) = split_mitigation(
            "Model drift lowers precision; mitigation: weekly retraining.",
            None,
        );
        assert_eq!(
            (d.as_str(), m.as_deref()),
            ("Model drift lowers precision", Some("weekly retraining"))
        );
        let (d, m) = split_mitigation("Outage: quotes fall back to table rates.", Some("Outage"));
        assert_eq!(
            (d.as_str(), m.as_deref()),
            ("Outage", Some("quotes fall back to table rates"))
        );
        let text = "Points double-credited when retried — dedupe on order id.";
        let (d, m) = split_mitigation(text, Some("Points double-credited"));
        assert_eq!(
            (d.as_str(), m.as_deref()),
            (
                "Points double-credited when retried",
                Some("dedupe on order id")
            )
        );
        let text = "Cache storm — a deploy flushes the cache.";
        assert_eq!(split_mitigation(text, Some("Cache storm")).1, None);
    }

    #[test]
    fn the_description_column_is_found_wherever_it_stands() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let header = h(&["Risk ID", "Category", "Risk description", "Mitigation"]);
        assert_eq!(
            description_column(&header, &h(&["RK-1", "Data", "x", "y"])),
            Some(2)
        );
        let header = h(&["Component", "Failure", "Effect", "Mitigation"]);
        assert_eq!(
            description_column(&header, &h(&["Queue", "disk fills", "stop", "alert"])),
            Some(1)
        );
        let header = h(&["#", "Severity", "Risk", "Owner"]);
        assert_eq!(
            description_column(&header, &h(&["1", "High", "x", "Id"])),
            Some(2)
        );
    }
}
