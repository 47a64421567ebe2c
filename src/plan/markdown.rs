//! Markdown read structurally (CommonMark + tables via pulldown-cmark): headings, paragraphs,
//! list items and table rows, each with its line range and the heading it sits under. Code
//! blocks are skipped. Inference works on these blocks, never on raw text.

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
}

struct Open {
    kind: Kind,
    start: usize,
    text: String,
}

/// Splits a document into blocks.
pub fn blocks(source: &str) -> Vec<Block> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
    let mut out = Vec::new();
    let mut section = String::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut lists: Vec<bool> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut in_head = false;
    let mut in_code = false;
    for (event, range) in Parser::new_ext(source, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { level, .. }) => stack.push(Open {
                kind: Kind::Heading(level as u8),
                start: range.start,
                text: String::new(),
            }),
            Event::Start(Tag::List(first)) => lists.push(first.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                let ordered = lists.last().copied().unwrap_or(false);
                let depth = lists.len();
                stack.push(Open {
                    kind: Kind::Item { ordered, depth },
                    start: range.start,
                    text: String::new(),
                });
            }
            Event::Start(Tag::Paragraph) if stack.is_empty() => stack.push(Open {
                kind: Kind::Paragraph,
                start: range.start,
                text: String::new(),
            }),
            Event::End(TagEnd::Heading(_) | TagEnd::Item) | Event::End(TagEnd::Paragraph) => {
                let is_paragraph = matches!(event, Event::End(TagEnd::Paragraph));
                if is_paragraph
                    && !matches!(
                        stack.last(),
                        Some(Open {
                            kind: Kind::Paragraph,
                            ..
                        })
                    )
                {
                    // A paragraph inside a list item belongs to the item.
                    if let Some(top) = stack.last_mut() {
                        top.text.push(' ');
                    }
                    continue;
                }
                if let Some(open) = stack.pop() {
                    let text = squash(&open.text);
                    if let Kind::Heading(_) = open.kind {
                        section = text.clone();
                    }
                    let end = range.end.saturating_sub(1).max(open.start);
                    out.push(Block {
                        kind: open.kind,
                        section: section.clone(),
                        line_start: line_of(open.start),
                        line_end: line_of(end),
                        text,
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
                out.push(Block {
                    kind: Kind::Row {
                        header: header.clone(),
                        cells: cells.clone(),
                    },
                    section: section.clone(),
                    line_start: line,
                    line_end: line,
                    text: cells.join(" | "),
                });
            }
            Event::Text(t) | Event::Code(t) if !in_code => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(top) = stack.last_mut() {
                    top.text.push(' ');
                }
            }
            _ => {}
        }
    }
    out
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
}
