//! Markdown read structurally (CommonMark + tables via pulldown-cmark): headings, paragraphs,
//! list items, table rows and front-matter lines, each with its line range and the headings it
//! sits under. Code blocks are skipped. Inference works on these blocks, never on raw text.

use std::ops::Range;

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
    /// The innermost heading's text (empty before the first heading).
    fn section(&self) -> String {
        self.0.last().map(|(_, t)| t.clone()).unwrap_or_default()
    }
}

/// Where each line of a source starts, to give the 1-based line of a byte offset.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn of(source: &str) -> Self {
        LineIndex(
            std::iter::once(0)
                .chain(source.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }
    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }
}

/// The table being read: its header cells, the current row's cells and the open cell.
#[derive(Default)]
struct Table {
    header: Vec<String>,
    cells: Vec<String>,
    cell: Option<String>,
    in_head: bool,
}

/// What the walk over a document's events has seen so far, and the blocks it has made.
struct Reader {
    lines: LineIndex,
    out: Vec<Block>,
    outline: Outline,
    /// Blocks begun and not yet ended, innermost last.
    stack: Vec<Open>,
    /// For each list the walk is inside, whether it is ordered.
    lists: Vec<bool>,
    table: Table,
    in_code: bool,
    in_meta: bool,
    /// Level of the last real heading: a bold line standing alone is a heading one below it.
    heading_level: u8,
}

/// Splits a document into blocks.
pub fn blocks(source: &str) -> Vec<Block> {
    let mut reader = Reader::new(source);
    let options = Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        reader.read(event, range);
    }
    reader.out
}

impl Reader {
    fn new(source: &str) -> Self {
        Reader {
            lines: LineIndex::of(source),
            out: Vec::new(),
            outline: Outline::default(),
            stack: Vec::new(),
            lists: Vec::new(),
            table: Table::default(),
            in_code: false,
            in_meta: false,
            heading_level: 0,
        }
    }

    /// Takes one event, at its byte range in the source.
    fn read(&mut self, event: Event, range: Range<usize>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            Event::Start(Tag::MetadataBlock(_)) => self.in_meta = true,
            Event::End(TagEnd::MetadataBlock(_)) => self.in_meta = false,
            Event::Text(t) if self.in_meta => {
                let first_line = self.lines.line_of(range.start);
                self.out.extend(meta_lines(&t, first_line, &self.outline));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                self.begin(Kind::Heading(level as u8), range.start)
            }
            Event::Start(Tag::List(first)) => self.lists.push(first.is_some()),
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
            }
            Event::Start(Tag::Item) => self.begin_item(range.start),
            Event::Start(Tag::Paragraph) if self.stack.is_empty() => {
                self.begin(Kind::Paragraph, range.start)
            }
            Event::Start(Tag::Strong) => self.begin_strong(),
            Event::End(TagEnd::Strong) => self.end_strong(),
            Event::End(TagEnd::Paragraph) => self.end_paragraph(range.end),
            Event::End(TagEnd::Heading(_) | TagEnd::Item) => self.end_block(range.end),
            Event::Start(Tag::TableHead) => self.table.begin_head(),
            Event::End(TagEnd::TableHead) => self.table.in_head = false,
            Event::Start(Tag::TableRow) => self.table.cells.clear(),
            Event::Start(Tag::TableCell) => self.table.cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => self.table.end_cell(),
            Event::End(TagEnd::TableRow) => self.end_row(range.start),
            Event::Text(t) if !self.in_code => self.text(&t, false),
            Event::Code(t) if !self.in_code => self.text(&t, true),
            Event::SoftBreak | Event::HardBreak => {
                if let Some(top) = self.stack.last_mut() {
                    top.raw.push('\n');
                }
            }
            _ => {}
        }
    }

    fn begin(&mut self, kind: Kind, start: usize) {
        self.stack.push(Open::new(kind, start));
    }

    /// A list item, ordered as its list is and as deep as the lists it sits in.
    fn begin_item(&mut self, start: usize) {
        let ordered = self.lists.last().copied().unwrap_or(false);
        let depth = self.lists.len();
        self.begin(Kind::Item { ordered, depth }, start);
    }

    fn begin_strong(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            top.strong = Some(String::new());
        }
    }

    /// A bold span the open block's text starts with is its lead.
    fn end_strong(&mut self) {
        if let Some(top) = self.stack.last_mut()
            && let Some(strong) = top.strong.take()
            && top.lead.is_none()
            && squash(&top.raw).starts_with(squash(&strong).as_str())
        {
            top.lead = Some(squash(&strong));
        }
    }

    /// Text goes to the open table cell, else to the open block (and its bold span).
    fn text(&mut self, text: &str, is_code: bool) {
        if let Some(c) = self.table.cell.as_mut() {
            c.push_str(text);
        } else if let Some(top) = self.stack.last_mut() {
            top.raw.push_str(text);
            if let Some(strong) = top.strong.as_mut() {
                strong.push_str(text);
            }
            if is_code {
                top.code.push(text.to_string());
            }
        }
    }

    /// Ends a paragraph block; a paragraph inside a list item belongs to the item.
    fn end_paragraph(&mut self, end: usize) {
        let in_paragraph = matches!(
            self.stack.last(),
            Some(Open {
                kind: Some(Kind::Paragraph),
                ..
            })
        );
        if in_paragraph {
            self.end_block(end);
        } else if let Some(top) = self.stack.last_mut() {
            top.raw.push(' ');
        }
    }

    /// Ends the innermost open block (it ends at byte `end`, exclusive) and makes it a block.
    fn end_block(&mut self, end: usize) {
        let Some(mut open) = self.stack.pop() else {
            return;
        };
        let text = squash(&open.raw);
        self.settle_heading(&mut open, &text);
        let end = end.saturating_sub(1).max(open.start);
        self.out.push(Block {
            kind: open.kind.unwrap_or(Kind::Paragraph),
            section: self.outline.section(),
            line_start: self.lines.line_of(open.start),
            line_end: self.lines.line_of(end),
            text,
            outline: self.outline.texts(),
            lines: open.raw.split('\n').map(squash).collect(),
            code: open.code,
            lead: open.lead,
        });
    }

    /// Makes a lone bold paragraph a heading one below the last real one, and enters a
    /// heading into the outline.
    fn settle_heading(&mut self, open: &mut Open, text: &str) {
        if open.kind == Some(Kind::Paragraph) && is_pseudo_heading(text, &open.lead) {
            open.kind = Some(Kind::Heading((self.heading_level + 1).min(6)));
        } else if let Some(Kind::Heading(level)) = open.kind {
            self.heading_level = level;
        }
        if let Some(Kind::Heading(level)) = open.kind {
            self.outline.enter(level, text);
        }
    }

    /// A table row, with its table's header cells.
    fn end_row(&mut self, start: usize) {
        let line = self.lines.line_of(start);
        let text = self.table.cells.join(" | ");
        self.out.push(Block {
            kind: Kind::Row {
                header: self.table.header.clone(),
                cells: self.table.cells.clone(),
            },
            section: self.outline.section(),
            line_start: line,
            line_end: line,
            lines: vec![text.clone()],
            text,
            outline: self.outline.texts(),
            code: Vec::new(),
            lead: None,
        });
    }
}

impl Table {
    fn begin_head(&mut self) {
        self.in_head = true;
        self.header.clear();
    }

    /// The cell's text goes to the header or to the current row.
    fn end_cell(&mut self) {
        let text = squash(&self.cell.take().unwrap_or_default());
        if self.in_head {
            self.header.push(text)
        } else {
            self.cells.push(text)
        }
    }
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
