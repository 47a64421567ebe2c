//! Markdown read structurally (CommonMark + tables via pulldown-cmark): headings, paragraphs,
//! list items, table rows and front-matter lines, each with its line range and the headings it
//! sits under. Code blocks are skipped. Inference works on these blocks, never on raw text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What a block is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Heading(u8),
    Paragraph,
    /// A list item (its own text, without nested items); depth 1 is a top-level item.
    Item {
        ordered: bool,
        depth: usize,
    },
    /// A data row of a table, with the table's header cells.
    Row {
        header: Vec<String>,
        cells: Vec<String>,
    },
    /// One line of a YAML front-matter block (`key: value`).
    Meta,
}

/// One block of a Markdown document.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: Kind,
    /// Text of the nearest heading above (empty before the first heading).
    pub section: String,
    pub line_start: usize,
    pub line_end: usize,
    pub text: String,
    /// Headings above the block, outermost first; a heading block ends with itself.
    pub outline: Vec<String>,
    /// The text of each source line of the block (soft and hard breaks kept apart).
    pub lines: Vec<String>,
    /// Inline code spans, in order (`` `checkout-api` `` gives `checkout-api`).
    pub code: Vec<String>,
    /// Text of a bold span the block starts with, if any (`**Title** — …`).
    pub lead: Option<String>,
}

impl Block {
    /// The block's lines as blocks of their own, each with its own line number.
    pub fn line_blocks(&self) -> Vec<Block> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| Block {
                line_start: self.line_start + i,
                line_end: self.line_start + i,
                text: l.clone(),
                lines: vec![l.clone()],
                ..self.clone()
            })
            .collect()
    }
}

#[derive(Default)]
struct Open {
    kind: Option<Kind>,
    start: usize,
    raw: String,
    code: Vec<String>,
    strong: Option<String>,
    lead: Option<String>,
}

impl Open {
    fn new(kind: Kind, start: usize) -> Self {
        Open {
            kind: Some(kind),
            start,
            ..Open::default()
        }
    }
}

/// Heading texts with their levels, innermost last.
#[derive(Default)]
struct Outline(Vec<(u8, String)>);

impl Outline {
    fn enter(&mut self, level: u8, text: &str) {
        self.0.retain(|(l, _)| *l < level);
        self.0.push((level, text.to_string()));
    }
    fn texts(&self) -> Vec<String> {
        self.0.iter().map(|(_, t)| t.clone()).collect()
    }
}

/// Splits a document into blocks.
pub fn blocks(source: &str) -> Vec<Block> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
    let mut out = Vec::new();
    let mut outline = Outline::default();
    let mut stack: Vec<Open> = Vec::new();
    let mut lists: Vec<bool> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut in_head = false;
    let mut in_code = false;
    let mut in_meta = false;
    // Level of the last real heading: a bold line standing alone is a heading one below it.
    let mut heading_level = 0u8;
    let options = Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        let is_code = matches!(event, Event::Code(_));
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::MetadataBlock(_)) => in_meta = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_meta = false,
            Event::Text(t) if in_meta => {
                out.extend(meta_lines(&t, line_of(range.start), &outline));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                stack.push(Open::new(Kind::Heading(level as u8), range.start))
            }
            Event::Start(Tag::List(first)) => lists.push(first.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                let ordered = lists.last().copied().unwrap_or(false);
                let depth = lists.len();
                stack.push(Open::new(Kind::Item { ordered, depth }, range.start));
            }
            Event::Start(Tag::Paragraph) if stack.is_empty() => {
                stack.push(Open::new(Kind::Paragraph, range.start))
            }
            Event::Start(Tag::Strong) => {
                if let Some(top) = stack.last_mut() {
                    top.strong = Some(String::new());
                }
            }
            Event::End(TagEnd::Strong) => {
                if let Some(top) = stack.last_mut()
                    && let Some(strong) = top.strong.take()
                    && top.lead.is_none()
                    && squash(&top.raw).starts_with(squash(&strong).as_str())
                {
                    top.lead = Some(squash(&strong));
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Item) | Event::End(TagEnd::Paragraph) => {
                let is_paragraph = matches!(event, Event::End(TagEnd::Paragraph));
                if is_paragraph
                    && !matches!(
                        stack.last(),
                        Some(Open {
                            kind: Some(Kind::Paragraph),
                            ..
                        })
                    )
                {
                    // A paragraph inside a list item belongs to the item.
                    if let Some(top) = stack.last_mut() {
                        top.raw.push(' ');
                    }
                    continue;
                }
                if let Some(mut open) = stack.pop() {
                    let text = squash(&open.raw);
                    if open.kind == Some(Kind::Paragraph) && is_pseudo_heading(&text, &open.lead) {
                        open.kind = Some(Kind::Heading((heading_level + 1).min(6)));
                    } else if let Some(Kind::Heading(level)) = open.kind {
                        heading_level = level;
                    }
                    if let Some(Kind::Heading(level)) = open.kind {
                        outline.enter(level, &text);
                    }
                    let end = range.end.saturating_sub(1).max(open.start);
                    out.push(Block {
                        kind: open.kind.unwrap_or(Kind::Paragraph),
                        section: outline.0.last().map(|(_, t)| t.clone()).unwrap_or_default(),
                        line_start: line_of(open.start),
                        line_end: line_of(end),
                        text,
                        outline: outline.texts(),
                        lines: open.raw.split('\n').map(squash).collect(),
                        code: open.code,
                        lead: open.lead,
                    });
                }
            }
            Event::Start(Tag::TableHead) => {
                in_head = true;
                header.clear();
            }
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => cells.clear(),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let text = squash(&cell.take().unwrap_or_default());
                if in_head {
                    header.push(text)
                } else {
                    cells.push(text)
                }
            }
            Event::End(TagEnd::TableRow) => {
                let line = line_of(range.start);
                let text = cells.join(" | ");
                out.push(Block {
                    kind: Kind::Row {
                        header: header.clone(),
                        cells: cells.clone(),
                    },
                    section: outline.0.last().map(|(_, t)| t.clone()).unwrap_or_default(),
                    line_start: line,
                    line_end: line,
                    lines: vec![text.clone()],
                    text,
                    outline: outline.texts(),
                    code: Vec::new(),
                    lead: None,
                });
            }
            Event::Text(t) | Event::Code(t) if !in_code => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some(top) = stack.last_mut() {
                    top.raw.push_str(&t);
                    if let Some(strong) = top.strong.as_mut() {
                        strong.push_str(&t);
                    }
                    if is_code {
                        top.code.push(t.to_string());
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(top) = stack.last_mut() {
                    top.raw.push('\n');
                }
            }
            _ => {}
        }
    }
    out
}

/// A paragraph that is one short bold phrase (`**Risks**`) is used as a heading.
fn is_pseudo_heading(text: &str, lead: &Option<String>) -> bool {
    lead.as_deref() == Some(text)
        && text.chars().count() <= 60
        && !text.ends_with('.')
        && !text.trim_end_matches(':').contains(':')
}

/// One `Meta` block per non-empty line of a front-matter block that starts at `first_line`.
fn meta_lines(text: &str, first_line: usize, outline: &Outline) -> Vec<Block> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Block {
            kind: Kind::Meta,
            section: String::new(),
            line_start: first_line + i,
            line_end: first_line + i,
            text: squash(l),
            outline: outline.texts(),
            lines: vec![squash(l)],
            code: Vec::new(),
            lead: None,
        })
        .collect()
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_rows_with_headers_and_code_is_skipped() {
        let md = "# T\n\n## Risks\n\n| Risk | Impact |\n|---|---|\n| A fails | High |\n| B fails | Low |\n\n```\n| Risk | x |\n```\n\n- one\n  - nested\n- two\n";
        let b = blocks(md);
        let rows: Vec<&Block> = b
            .iter()
            .filter(|b| matches!(b.kind, Kind::Row { .. }))
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line_start, 7);
        assert_eq!(rows[0].section, "Risks");
        match &rows[1].kind {
            Kind::Row { header, cells } => {
                assert_eq!(header, &["Risk", "Impact"]);
                assert_eq!(cells, &["B fails", "Low"]);
            }
            _ => unreachable!(),
        }
        let items: Vec<&str> = b
            .iter()
            .filter(|b| matches!(b.kind, Kind::Item { .. }))
            .map(|b| b.text.as_str())
            .collect();
        assert_eq!(items, ["nested", "one", "two"]);
        assert!(!b.iter().any(|b| b.text.contains("| x |")));
    }

    #[test]
    fn front_matter_outline_lines_code_and_bold_lines_are_kept() {
        let md = "---\nservice: checkout-api\nteam: checkout\n---\n\n# Plan\n\n**Service:** `x-api`\n**Team:** Core\n\n**Risks**\n\n- **Title** — text\n";
        let b = blocks(md);
        assert_eq!(b[0].kind, Kind::Meta);
        assert_eq!(
            (b[0].line_start, b[0].text.as_str()),
            (2, "service: checkout-api")
        );
        assert_eq!((b[1].line_start, b[1].text.as_str()), (3, "team: checkout"));
        let labels = &b[3];
        assert_eq!(labels.lines, ["Service: x-api", "Team: Core"]);
        assert_eq!(labels.code, ["x-api"]);
        assert_eq!(labels.line_blocks()[1].line_start, 9);
        assert_eq!(
            b[4].kind,
            Kind::Heading(2),
            "a bold line alone is a heading"
        );
        assert_eq!(b[5].outline, ["Plan", "Risks"]);
        assert_eq!(b[5].lead.as_deref(), Some("Title"));
    }
}
