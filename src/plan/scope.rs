//! Which parts of a plan speak about the service's own targets: appendices, history,
//! out-of-scope lists and figures a note says must not be used are left out, and so are
//! clauses about other systems (upstream, vendors, the legacy system), and columns of current
//! rather than target figures. Pure checks over blocks and text.

use super::markdown::{Block, Kind};

/// Headings whose sections never hold this service's facts.
const DISTRACTOR_HEADINGS: &[&str] = &[
    "appendix",
    "history",
    "historical",
    "out of scope",
    "out-of-scope",
    "non-goal",
    "alternatives",
    "prior art",
    "glossary",
    "do not use",
    "not to be used",
];

/// Notes that say the figures near them are not targets.
const DISCLAIMERS: &[&str] = &[
    "must not be used",
    "do not use",
    "should not be used",
    "not to be used",
    "are not targets",
    "illustrative only",
    "for illustration only",
];

/// Words that say a clause is about another system or an earlier state.
const OTHER_SYSTEMS: &[&str] = &[
    "upstream",
    "downstream",
    "vendor",
    "vendors",
    "legacy",
    "old",
    "previous",
    "previously",
    "prototype",
    "competitor",
    "competitors",
    "baseline",
    "currently",
    "depend",
    "depends",
    "dependency",
    "dependencies",
];

/// Whether a heading starts a section to leave out entirely.
pub fn is_distractor_heading(heading: &str) -> bool {
    let h = heading.to_lowercase();
    DISTRACTOR_HEADINGS.iter().any(|d| h.contains(d))
}

/// Whether a block is a note saying the figures after it must not be used.
pub fn is_disclaimer(text: &str) -> bool {
    let t = text.to_lowercase();
    DISCLAIMERS.iter().any(|d| t.contains(d))
}

/// Sentences and `;`-separated clauses of a text. A `.` or `;` ends a clause only when a
/// space follows, so `1.5 s` and `99.9%` stay whole.
pub fn clauses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let followed_by_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        if matches!(c, '.' | ';' | '?' | '!') && followed_by_space {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    out.push(text[start..].trim());
    out.retain(|c| !c.is_empty());
    out
}

/// Whether a clause is about another system or an earlier state rather than this service.
pub fn about_other_system(clause: &str) -> bool {
    super::quantities::words(clause)
        .iter()
        .any(|w| OTHER_SYSTEMS.contains(&w.as_str()))
}

/// The text of a block that may state targets: a table row without its columns of current,
/// measured or baseline figures (an SLO table's target column counts, its "Current" does not).
pub fn target_text(b: &Block) -> String {
    match &b.kind {
        Kind::Row { header, cells } => cells
            .iter()
            .enumerate()
            .filter(|(i, _)| !header.get(*i).is_some_and(|h| is_not_target(h)))
            .map(|(_, c)| c.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        _ => b.text.clone(),
    }
}

/// Whether a column holds figures other than targets (current, measured, notes).
fn is_not_target(header: &str) -> bool {
    const NOT_TARGETS: &[&str] = &[
        "current", "today", "actual", "measured", "observed", "baseline", "previous", "note",
    ];
    let h = header.to_lowercase();
    NOT_TARGETS.iter().any(|n| h.contains(n))
}

/// Each target cell of a table row prefixed with its column header (`p99 latency 200 ms`).
pub fn header_cells(b: &Block) -> Vec<String> {
    match &b.kind {
        Kind::Row { header, cells } => header
            .iter()
            .zip(cells)
            .filter(|(h, _)| !is_not_target(h))
            .map(|(h, c)| format!("{h} {c}"))
            .collect(),
        _ => Vec::new(),
    }
}

/// The blocks of a document that speak about this service: not in an appendix, history or
/// out-of-scope section, and not after a note saying the figures must not be used.
pub fn relevant(blocks: &[Block]) -> Vec<usize> {
    let mut muted: Option<&[String]> = None;
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if let Kind::Heading(_) = b.kind {
            muted = None;
        }
        if b.outline.iter().any(|h| is_distractor_heading(h)) || muted == Some(b.outline.as_slice())
        {
            continue;
        }
        if is_disclaimer(&b.text) {
            muted = Some(b.outline.as_slice());
            continue;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_split_at_sentence_ends_but_not_inside_numbers() {
        assert_eq!(
            clauses("p99 of 1.5 s; the vendor quotes 99.9%. Done"),
            ["p99 of 1.5 s;", "the vendor quotes 99.9%.", "Done"]
        );
    }

    #[test]
    fn other_systems_and_disclaimers_are_recognised() {
        assert!(about_other_system(
            "The upstream carrier gateway promises 99.0%"
        ));
        assert!(!about_other_system("Availability 99.9%."));
        assert!(is_disclaimer(
            "Note: the figures in the next table must not be used as targets."
        ));
        assert!(is_distractor_heading("Appendix A: load test notes"));
        assert!(is_distractor_heading("Background and history"));
    }
}
