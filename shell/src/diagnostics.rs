//! Rendering errors for people: message, where (file:line:column with a caret under the span), and what to do.

use std::io::IsTerminal;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

use crate::syntax::ast::Span;

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
struct Report {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

/// One error as text: `message`, the source line with a caret at `span`, and the help line.
pub fn render(
    source_name: &str,
    source: &str,
    message: &str,
    span: Span,
    label: &str,
    help: Option<&str>,
) -> String {
    let start = span.start.min(source.len());
    let len = span
        .end
        .saturating_sub(span.start)
        .min(source.len() - start);
    let report = Report {
        message: message.to_string(),
        src: NamedSource::new(source_name, source.to_string()),
        span: (start, len).into(),
        label: label.to_string(),
        help: help.map(str::to_string),
    };
    let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(120)
        .with_wrap_lines(false);
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("error: {message}\n");
    }
    out
}

/// 1-based line and column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_span() {
        let src = "Get-Mailbox\nSet-Mailbox -Identity nobody";
        let text = render(
            "script.ps1",
            src,
            "not found",
            Span::new(34, 40),
            "ObjectNotFound",
            Some("check the name"),
        );
        assert!(text.contains("script.ps1:2:23"), "{text}");
        assert!(text.contains("check the name"));
        assert_eq!(line_col(src, 34), (2, 23));
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let _ = render("x", "abc", "m", Span::new(10, 20), "l", None);
        assert_eq!(line_col("abc", 99), (1, 4));
    }
}
