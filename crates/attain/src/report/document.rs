//! The report as a document: headings, paragraphs, tables and figures,
//! rendered once to HTML and once to Markdown, so both carry the same
//! content.

use std::fmt::Write;

/// A table cell: its text, and (HTML) data attributes naming the figure it
/// shows, so that a test can check the page against the gap table.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub data: Vec<(&'static str, String)>,
    /// A header cell for its row (`<th scope="row">`).
    pub row_header: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    pub fn row_header(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            row_header: true,
            ..Cell::default()
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Cell {
        self.data.push((key, value.into()));
        self
    }
}

/// A table with a caption and column headers.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A chart: SVG with a title and a text alternative, and its data table.
#[derive(Debug, Clone)]
pub struct Figure {
    pub svg: String,
    /// A sentence saying what the chart shows, for screen readers and
    /// Markdown.
    pub alt: String,
    pub caption: String,
    pub table: Table,
}

#[derive(Debug, Clone)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        id: String,
    },
    Paragraph(String),
    List(Vec<String>),
    Table(Table),
    Figure(Figure),
    /// A section that starts on a new printed page.
    Section {
        id: String,
        blocks: Vec<Block>,
    },
}

/// The whole report.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The stylesheet: readable type, strong contrast, colours safe for
/// colour-blind readers (Okabe–Ito), and a print layout that starts each
/// phase on a new page.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5; color: #1a1a1a; background: #ffffff; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
header.top { border-bottom: 4px solid #0b3c5d; margin-bottom: 1.5rem; }
h1 { font-size: 2rem; margin: 1rem 0 0.25rem; color: #0b3c5d; }
h2 { font-size: 1.5rem; margin-top: 2.5rem; color: #0b3c5d; border-bottom: 1px solid #c8c8c8; }
h3 { font-size: 1.2rem; margin-top: 1.75rem; }
p.subtitle { margin-top: 0; color: #3d3d3d; }
a { color: #0b3c5d; }
a:focus, a:hover { outline: 3px solid #E69F00; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: 0.5rem; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: 0.75rem 0 1.5rem; font-size: 0.92rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #b0b0b0; padding: 0.3rem 0.5rem; text-align: right; vertical-align: top; }
th { background: #eef2f6; }
th[scope="row"], td.text { text-align: left; }
td.withheld { color: #4a4a4a; font-style: italic; }
figure { margin: 1rem 0 2rem; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
.chart { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #d0d0d0; background: #fff; }
.chart table { width: auto; flex: 1 1 20rem; }
.note { background: #f4f6f8; border-left: 4px solid #0b3c5d; padding: 0.5rem 1rem; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav, .skip { display: none; }
  section.page { break-before: page; page-break-before: always; }
  table, figure { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

impl Document {
    /// One self-contained HTML page: no script, font, image or link loads
    /// anything from outside it.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#content\">Skip to the report</a>\n<main id=\"content\">\n<header class=\"top\">\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n</header>\n",
            escape(&self.title),
            escape(&self.title),
            escape(&self.subtitle)
        );
        // Contents: every top-level section.
        let sections: Vec<(&str, &str)> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section { id, blocks } => blocks.iter().find_map(|b| match b {
                    Block::Heading { level: 2, text, .. } => Some((id.as_str(), text.as_str())),
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        if !sections.is_empty() {
            out.push_str("<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
            for (id, text) in sections {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#{}\">{}</a></li>",
                    escape(id),
                    escape(text)
                );
            }
            out.push_str("</ol>\n</nav>\n");
        }
        for block in &self.blocks {
            html_block(&mut out, block);
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }

    /// The same content as Markdown, for committee papers: charts become
    /// their text alternative and their data table.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# {}\n\n{}\n\n",
            markdown_text(&self.title),
            markdown_text(&self.subtitle)
        );
        for block in &self.blocks {
            markdown_block(&mut out, block);
        }
        out
    }
}

fn html_table(out: &mut String, table: &Table) {
    out.push_str("<table>\n");
    let _ = writeln!(out, "<caption>{}</caption>", escape(&table.caption));
    out.push_str("<thead><tr>");
    for head in &table.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(head));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let tag = if cell.row_header { "th" } else { "td" };
            let _ = write!(out, "<{tag}");
            if cell.row_header {
                out.push_str(" scope=\"row\"");
            } else if cell.text.starts_with("withheld") {
                out.push_str(" class=\"withheld\"");
            } else if !cell.text.is_empty()
                && !cell
                    .text
                    .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
            {
                // Words align left; figures (12.5%, -3.1 pts) right.
                out.push_str(" class=\"text\"");
            }
            for (key, value) in &cell.data {
                let _ = write!(out, " data-{key}=\"{}\"", escape(value));
            }
            let _ = write!(out, ">{}</{tag}>", escape(&cell.text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn html_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text, id } => {
            let _ = writeln!(
                out,
                "<h{level} id=\"{}\">{}</h{level}>",
                escape(id),
                escape(text)
            );
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "<p>{}</p>", escape(text));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", escape(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table(table) => html_table(out, table),
        Block::Figure(figure) => {
            let _ = writeln!(
                out,
                "<figure>\n<figcaption>{}</figcaption>\n<div class=\"chart\">",
                escape(&figure.caption)
            );
            out.push_str(&figure.svg);
            html_table(out, &figure.table);
            out.push_str("</div>\n</figure>\n");
        }
        Block::Section { id, blocks } => {
            let _ = writeln!(out, "<section class=\"page\" id=\"{}\">", escape(id));
            for block in blocks {
                html_block(out, block);
            }
            out.push_str("</section>\n");
        }
    }
}

/// Text for Markdown: HTML in names (a grouping called "A <b>") would be
/// rendered by Markdown viewers, so `<`, `>` and `&` are escaped.
fn markdown_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn markdown_cell(text: &str) -> String {
    markdown_text(text).replace('|', "\\|").replace('\n', " ")
}

fn markdown_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "**{}**\n", markdown_text(&table.caption));
    let _ = writeln!(
        out,
        "| {} |",
        table
            .header
            .iter()
            .map(|h| markdown_cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        out,
        "|{}",
        table.header.iter().map(|_| "---|").collect::<String>()
    );
    for row in &table.rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter()
                .map(|c| markdown_cell(&c.text))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    out.push('\n');
}

fn markdown_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text, .. } => {
            let _ = writeln!(
                out,
                "{} {}\n",
                "#".repeat(*level as usize),
                markdown_text(text)
            );
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "{}\n", markdown_text(text));
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", markdown_text(item));
            }
            out.push('\n');
        }
        Block::Table(table) => markdown_table(out, table),
        Block::Figure(figure) => {
            let _ = writeln!(
                out,
                "*{}*: {}\n",
                markdown_text(&figure.caption),
                markdown_text(&figure.alt)
            );
            markdown_table(out, &figure.table);
        }
        Block::Section { blocks, .. } => {
            for block in blocks {
                markdown_block(out, block);
            }
        }
    }
}
