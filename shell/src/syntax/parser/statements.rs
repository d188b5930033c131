//! Statements that start with a keyword (`if`, `foreach`, `while`, `do`, `for`, `switch`, `try`,
//! `function`, `break` ...), statement blocks, script blocks and `param(...)` blocks.

use std::sync::Arc;

use super::{is_inline_ws, is_newline, is_word_char, PErr, PResult, Parser};
use crate::syntax::ast::{
    Attribute, CatchClause, Expr, FunctionDef, Parameter, Script, ScriptBlock, Span, Statement,
    SwitchClause, Variable,
};

/// An attribute (`[Parameter(Mandatory)]`) or a type constraint (`[string]`) before a parameter.
enum AttrOrType {
    Attr(Attribute),
    Type(String),
}

const NAMED_BLOCKS: &[&str] = &["begin", "process", "end"];

impl Parser<'_> {
    /// At a keyword (see `peek_keyword`): parse the statement it starts.
    pub(super) fn parse_keyword_statement(&mut self, keyword: &'static str) -> PResult<Statement> {
        let start = self.pos;
        match keyword {
            "if" => self.parse_if(start),
            "foreach" => self.parse_foreach(start),
            "while" => self.parse_while(start),
            "do" => self.parse_do(start),
            "for" => self.parse_for(start),
            "switch" => self.parse_switch(start),
            "try" => self.parse_try(start),
            "function" | "filter" => self.parse_function(start, keyword == "filter"),
            "break" | "continue" => self.parse_break(start, keyword),
            "return" | "throw" | "exit" => self.parse_flow_value(start, keyword),
            "else" | "elseif" => Err(self.orphan(
                start,
                keyword,
                format!("'{keyword}' must follow the closing '}}' of an if statement's block."),
                "put it right after the if block (for example: if ($a) { 1 } else { 2 })",
            )),
            "catch" | "finally" => Err(self.orphan(
                start,
                keyword,
                format!("'{keyword}' must follow the closing '}}' of a try block."),
                "write try { ... } first, then catch { ... } or finally { ... }",
            )),
            "until" => Err(self.orphan(
                start,
                keyword,
                "'until' must follow the closing '}' of a do block.".to_string(),
                "write do { ... } until ($condition)",
            )),
            "param" => Err(self.orphan(
                start,
                keyword,
                "param(...) must come first in a script, a function or a script block.".to_string(),
                "move the param(...) block to the top, before any other statement",
            )),
            "begin" | "process" | "end" => Err(self.orphan(
                start,
                keyword,
                format!("A '{keyword}' block must be directly inside a function or script block, before any other statement."),
                "write function Name { begin { } process { } end { } }",
            )),
            other => Err(self.keyword_error(start, other)),
        }
    }

    fn orphan(&self, start: usize, keyword: &'static str, message: String, help: &str) -> PErr {
        let mut e = self.err(Span::new(start, start + keyword.len()), message, help);
        e.keyword = Some(keyword);
        e
    }

    /// Move past the keyword at the cursor (already recognised by `peek_keyword`).
    fn take_keyword(&mut self, keyword: &str) -> Span {
        let start = self.pos;
        self.pos += keyword.len();
        Span::new(start, self.pos)
    }

    /// Is the next word `word` (case-insensitive), as a whole word?
    fn at_word(&self, word: &str) -> bool {
        let rest = self.rest();
        rest.len() >= word.len()
            && rest.is_char_boundary(word.len())
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && !rest[word.len()..].starts_with(|c: char| is_word_char(c) || c == '-')
    }

    /// `( statement )` after a keyword.
    fn parse_condition(&mut self, what: &str, example: &str) -> PResult<Statement> {
        self.skip_ws()?;
        if self.peek() != Some('(') {
            return Err(self
                .err(
                    self.token_span(self.pos),
                    format!("Missing '(' after '{what}'."),
                    format!("write the condition in parentheses (for example: {example})"),
                )
                .incomplete_if(self.at_real_eof()));
        }
        let open = self.pos;
        self.bump();
        self.nested(|p| {
            p.skip_ws_nl()?;
            if p.peek() == Some(')') {
                return Err(p.err(
                    Span::new(open, p.pos + 1),
                    format!("Missing condition in the '{what}' statement."),
                    format!("write a condition inside the parentheses (for example: {example})"),
                ));
            }
            if p.eof() {
                return Err(p.missing_close(open, "(", ')', &format!("'{what}' condition")));
            }
            let condition = p.parse_statement()?;
            p.skip_ws_nl()?;
            if !p.eat(')') {
                if p.eof() {
                    return Err(p.missing_close(open, "(", ')', &format!("'{what}' condition")));
                }
                return Err(p.err(
                    p.token_span(p.pos),
                    format!("Missing closing ')' after the condition of '{what}'."),
                    "close the condition with ')' before this",
                ));
            }
            Ok(condition)
        })
    }

    /// `{ statements }` (after optional whitespace and newlines); `after` names what it belongs to.
    pub(super) fn parse_block(&mut self, after: &str) -> PResult<(Script, Span)> {
        self.skip_ws_nl()?;
        if self.peek() != Some('{') {
            return Err(self
                .err(
                    self.token_span(self.pos),
                    format!("Missing statement block after {after}."),
                    format!("write the statements in braces after {after}: {{ ... }}"),
                )
                .incomplete_if(self.at_real_eof()));
        }
        let open = self.pos;
        self.bump();
        let script = self.nested(|p| p.parse_statement_list('}'))?;
        if !self.eat('}') {
            return Err(self.missing_close(open, "{", '}', "statement block"));
        }
        Ok((script, Span::new(open, self.pos)))
    }

    /// After a block: skip blank lines and comments if `keyword` follows; otherwise stay put.
    fn continue_with(&mut self, keywords: &[&str]) -> PResult<Option<&'static str>> {
        let save = self.pos;
        self.skip_ws_nl()?;
        if let Some(k) = self.peek_keyword() {
            if keywords.contains(&k) {
                return Ok(Some(k));
            }
        }
        self.pos = save;
        Ok(None)
    }

    fn parse_if(&mut self, start: usize) -> PResult<Statement> {
        self.take_keyword("if");
        let mut clauses = Vec::new();
        let condition = self.parse_condition("if", "if ($count -gt 0) { ... }")?;
        let (body, mut end) = self.parse_block("if ( condition )")?;
        clauses.push((condition, body));
        let mut else_body = None;
        while let Some(k) = self.continue_with(&["elseif", "else"])? {
            self.take_keyword(k);
            if k == "elseif" {
                let condition = self.parse_condition("elseif", "elseif ($x -eq 1) { ... }")?;
                let (body, span) = self.parse_block("elseif ( condition )")?;
                clauses.push((condition, body));
                end = span;
            } else {
                let (body, span) = self.parse_block("'else'")?;
                else_body = Some(body);
                end = span;
                break;
            }
        }
        Ok(Statement::If {
            clauses,
            else_body,
            span: Span::new(start, end.end),
        })
    }

    fn parse_foreach(&mut self, start: usize) -> PResult<Statement> {
        let kw = self.take_keyword("foreach");
        self.skip_ws()?;
        if self.peek().is_some_and(super::is_dash) {
            return Err(self.err(
                self.token_span(self.pos),
                "foreach -Parallel is not supported in mailsec.",
                "remove -Parallel: the loop runs one item after another",
            ));
        }
        if self.peek() != Some('(') {
            return Err(self
                .err(
                    kw,
                    "Missing opening '(' after keyword 'foreach'.",
                    "write foreach ($item in $list) { ... }",
                )
                .incomplete_if(self.at_real_eof()));
        }
        let open = self.pos;
        self.bump();
        let (variable, collection) = self.nested(|p| {
            p.skip_ws_nl()?;
            let variable = match p.peek() {
                Some('$') => p.parse_variable()?,
                _ => None,
            };
            let Some(variable) = variable else {
                return Err(p
                    .err(
                        p.token_span(p.pos),
                        "Missing variable name after 'foreach ('.",
                        "write foreach ($item in $list) { ... }",
                    )
                    .incomplete_if(p.at_real_eof()));
            };
            p.skip_ws_nl()?;
            if !p.at_word("in") {
                return Err(p
                    .err(
                        p.token_span(p.pos),
                        "Missing 'in' after the variable in the foreach loop.",
                        format!("write foreach (${} in $list) {{ ... }}", variable.name),
                    )
                    .incomplete_if(p.at_real_eof()));
            }
            let in_at = p.pos;
            p.pos += 2;
            p.skip_ws_nl()?;
            if matches!(p.peek(), None | Some(')')) {
                return Err(p
                    .err(
                        Span::new(in_at, in_at + 2),
                        "Missing the collection after 'in' in the foreach loop.",
                        "write what to loop over after 'in' (for example: foreach ($m in Get-Mailbox) { ... })",
                    )
                    .incomplete_if(p.at_real_eof()));
            }
            let collection = p.parse_statement()?;
            p.skip_ws_nl()?;
            if !p.eat(')') {
                return Err(p.missing_close(open, "(", ')', "foreach loop"));
            }
            Ok((variable, collection))
        })?;
        let (body, end) = self.parse_block("foreach ( ... )")?;
        Ok(Statement::Foreach {
            variable,
            collection: Box::new(collection),
            body,
            span: Span::new(start, end.end),
        })
    }

    fn parse_while(&mut self, start: usize) -> PResult<Statement> {
        self.take_keyword("while");
        let condition = self.parse_condition("while", "while ($i -lt 10) { ... }")?;
        let (body, end) = self.parse_block("while ( condition )")?;
        Ok(Statement::While {
            condition: Box::new(condition),
            body,
            span: Span::new(start, end.end),
        })
    }

    fn parse_do(&mut self, start: usize) -> PResult<Statement> {
        let kw = self.take_keyword("do");
        let (body, _) = self.parse_block("'do'")?;
        let Some(k) = self.continue_with(&["while", "until"])? else {
            return Err(self
                .err(
                    kw,
                    "Missing 'while' or 'until' after the do loop's block.",
                    "end the loop with while ($condition) or until ($condition)",
                )
                .incomplete_if(self.at_real_eof()));
        };
        self.take_keyword(k);
        let condition = self.parse_condition(k, "do { ... } while ($i -lt 10)")?;
        Ok(Statement::DoLoop {
            body,
            condition: Box::new(condition),
            until: k == "until",
            span: Span::new(start, self.pos),
        })
    }

    fn parse_for(&mut self, start: usize) -> PResult<Statement> {
        let kw = self.take_keyword("for");
        self.skip_ws()?;
        if self.peek() != Some('(') {
            return Err(self
                .err(
                    kw,
                    "Missing opening '(' after keyword 'for'.",
                    "write for ($i = 0; $i -lt 10; $i++) { ... }",
                )
                .incomplete_if(self.at_real_eof()));
        }
        let open = self.pos;
        self.bump();
        let parts = self.nested(|p| {
            let mut parts: [Option<Box<Statement>>; 3] = [None, None, None];
            for (i, slot) in parts.iter_mut().enumerate() {
                p.skip_ws_nl()?;
                if !matches!(p.peek(), Some(';' | ')') | None) {
                    *slot = Some(Box::new(p.parse_statement()?));
                    p.skip_ws_nl()?;
                }
                if i < 2 && p.eat(';') {
                    continue;
                }
                if p.eat(')') {
                    return Ok(parts);
                }
                if p.eof() {
                    return Err(p.missing_close(open, "(", ')', "for loop"));
                }
                return Err(p.err(
                    p.token_span(p.pos),
                    "Unexpected token in the for loop header.",
                    "write for (init; condition; step) { ... }, the three parts separated by ';'",
                ));
            }
            Ok(parts)
        })?;
        let [init, condition, step] = parts;
        let (body, end) = self.parse_block("for ( ... )")?;
        Ok(Statement::For {
            init,
            condition,
            step,
            body,
            span: Span::new(start, end.end),
        })
    }

    fn parse_switch(&mut self, start: usize) -> PResult<Statement> {
        self.take_keyword("switch");
        let mut options = Vec::new();
        loop {
            self.skip_ws()?;
            let Some(c) = self.peek() else { break };
            if !super::is_dash(c) {
                break;
            }
            let at = self.pos;
            self.bump();
            let name = self.run(super::word).unwrap_or("").to_lowercase();
            let known = ["regex", "wildcard", "exact", "casesensitive"];
            match known
                .iter()
                .find(|k| !name.is_empty() && k.starts_with(name.as_str()))
            {
                Some(k) => options.push(k.to_string()),
                None => {
                    return Err(self.err(
                        Span::new(at, self.pos),
                        format!(
                            "The switch option '{}' is not supported in mailsec.",
                            self.text(Span::new(at, self.pos))
                        ),
                        "supported: -Regex, -Wildcard, -Exact, -CaseSensitive",
                    ))
                }
            }
        }
        let value =
            self.parse_condition("switch", "switch ($x) { 'a' { ... } default { ... } }")?;
        self.skip_ws_nl()?;
        if self.peek() != Some('{') {
            return Err(self
                .err(
                    self.token_span(self.pos),
                    "Missing the switch body: the clauses go in { }.",
                    "write switch ($x) { 'a' { ... } default { ... } }",
                )
                .incomplete_if(self.at_real_eof()));
        }
        let open = self.pos;
        self.bump();
        let (clauses, default) = self.nested(|p| {
            let mut clauses = Vec::new();
            let mut default = None;
            loop {
                p.skip_separators()?;
                match p.peek() {
                    None => return Err(p.missing_close(open, "{", '}', "switch statement")),
                    Some('}') => {
                        p.bump();
                        break;
                    }
                    _ => {}
                }
                if p.at_word("default") {
                    let at = p.pos;
                    p.pos += "default".len();
                    let (body, _) = p.parse_block("'default'")?;
                    if default.is_some() {
                        return Err(p.err(
                            Span::new(at, at + 7),
                            "A switch statement can have only one default clause.",
                            "merge the default clauses into one",
                        ));
                    }
                    default = Some(body);
                    continue;
                }
                let pattern = p.parse_arg_value()?;
                let (body, _) = p.parse_block("the switch clause's value")?;
                clauses.push(SwitchClause { pattern, body });
            }
            Ok((clauses, default))
        })?;
        Ok(Statement::Switch {
            value: Box::new(value),
            options,
            clauses,
            default,
            span: Span::new(start, self.pos),
        })
    }

    fn parse_try(&mut self, start: usize) -> PResult<Statement> {
        let kw = self.take_keyword("try");
        let (body, mut end) = self.parse_block("'try'")?;
        let mut catches: Vec<CatchClause> = Vec::new();
        let mut finally = None;
        while let Some(k) = self.continue_with(&["catch", "finally"])? {
            let kspan = self.take_keyword(k);
            if k == "finally" {
                let (block, span) = self.parse_block("'finally'")?;
                finally = Some(block);
                end = span;
                break;
            }
            if let Some(last) = catches.last() {
                if last.types.is_empty() {
                    return Err(self.err(
                        kspan,
                        "A catch block that catches every error must be the last catch block.",
                        "move the catch block without a type after the typed ones",
                    ));
                }
            }
            let mut types = Vec::new();
            loop {
                self.skip_ws_nl()?;
                if self.peek() != Some('[') {
                    break;
                }
                let (name, span) = self.scan_type_name()?;
                types.push((name, span));
                self.skip_ws_nl()?;
                if !self.eat(',') {
                    break;
                }
            }
            let (block, span) = self.parse_block("'catch'")?;
            catches.push(CatchClause {
                types,
                body: block,
                span: Span::new(kspan.start, span.end),
            });
            end = span;
        }
        if catches.is_empty() && finally.is_none() {
            return Err(self
                .err(
                    kw,
                    "The try statement is missing its catch or finally block.",
                    "add catch { ... } (runs on an error) or finally { ... } (always runs) after the try block",
                )
                .incomplete_if(self.at_real_eof()));
        }
        Ok(Statement::Try {
            body,
            catches,
            finally,
            span: Span::new(start, end.end),
        })
    }

    fn parse_function(&mut self, start: usize, filter: bool) -> PResult<Statement> {
        let kw = self.take_keyword(if filter { "filter" } else { "function" });
        self.skip_ws()?;
        let name_start = self.pos;
        let len = self
            .rest()
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(c, '(' | ')' | '{' | '}' | ';' | '|' | '$' | '"' | '\'')
            })
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self
                .err(
                    kw,
                    format!("Missing name after the '{}' keyword.", self.text(kw)),
                    "write function Name { ... }",
                )
                .incomplete_if(self.at_real_eof()));
        }
        self.pos += len;
        let name_span = Span::new(name_start, self.pos);
        let raw = self.text(name_span);
        let name = ["global:", "script:", "local:", "private:"]
            .iter()
            .find_map(|p| {
                raw.get(..p.len())
                    .filter(|head| head.eq_ignore_ascii_case(p))
                    .map(|_| &raw[p.len()..])
            })
            .unwrap_or(raw)
            .to_string();
        self.skip_ws()?;
        let mut inline = None;
        if self.peek() == Some('(') {
            let open = self.pos;
            self.bump();
            inline = Some(self.parse_parameter_list(open)?);
        }
        self.skip_ws_nl()?;
        if self.peek() != Some('{') {
            return Err(self
                .err(
                    name_span,
                    format!("Missing the body of function '{name}'."),
                    format!("write the function's statements in braces: function {name} {{ ... }}"),
                )
                .incomplete_if(self.at_real_eof()));
        }
        let Expr::ScriptBlock(block) = self.parse_script_block()? else {
            return Err(self.err(
                name_span,
                "Missing function body.",
                "write function Name { ... }",
            ));
        };
        let mut block = Arc::unwrap_or_clone(block);
        if let Some(params) = inline {
            if !block.params.is_empty() {
                return Err(self.err(
                    name_span,
                    format!("Function '{name}' has parameters both in parentheses and in a param(...) block."),
                    "keep one: function Name($a) { ... } or function Name { param($a) ... }",
                ));
            }
            block.params = params;
        }
        let span = Span::new(start, block.span.end);
        Ok(Statement::Function(Arc::new(FunctionDef {
            name,
            name_span,
            filter,
            body: Arc::new(block),
            span,
        })))
    }

    fn parse_break(&mut self, start: usize, keyword: &'static str) -> PResult<Statement> {
        let kw = self.take_keyword(keyword);
        self.skip_ws()?;
        let label = match self.peek() {
            Some(c) if super::is_ident_start(c) => self.run(super::word).map(str::to_string),
            _ => None,
        };
        let span = Span::new(start, if label.is_some() { self.pos } else { kw.end });
        Ok(if keyword == "break" {
            Statement::Break { label, span }
        } else {
            Statement::Continue { label, span }
        })
    }

    fn parse_flow_value(&mut self, start: usize, keyword: &'static str) -> PResult<Statement> {
        let kw = self.take_keyword(keyword);
        let save = self.pos;
        self.skip_ws()?;
        let value = if matches!(self.peek(), None | Some('\n' | '\r' | ';' | ')' | '}')) {
            self.pos = save;
            None
        } else {
            Some(Box::new(Statement::Pipeline(self.parse_pipeline()?)))
        };
        let end = value.as_ref().map_or(kw.end, |v| v.span().end);
        let span = Span::new(start, end);
        Ok(match keyword {
            "return" => Statement::Return { value, span },
            "throw" => Statement::Throw { value, span },
            _ => Statement::Exit { value, span },
        })
    }

    // ----- script blocks and parameters -----

    /// `{ [param(...)] statements }` or `{ param(...) begin { } process { } end { } }`.
    pub(super) fn parse_script_block(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.bump();
        let block = self.nested(|p| p.parse_script_block_body(open))?;
        Ok(Expr::ScriptBlock(Arc::new(block)))
    }

    fn parse_script_block_body(&mut self, open: usize) -> PResult<ScriptBlock> {
        self.skip_separators()?;
        let (attributes, params) = if self.at_param_block() {
            self.parse_param_block()?
        } else {
            (Vec::new(), Vec::new())
        };
        self.skip_separators()?;
        let (mut begin, mut process, mut end) = (None, None, None);
        if self.at_named_block() {
            loop {
                self.skip_separators()?;
                match self.peek() {
                    Some('}') | None => break,
                    _ => {}
                }
                let Some(k) = self.peek_keyword().filter(|k| NAMED_BLOCKS.contains(k)) else {
                    return Err(self.err(
                        self.token_span(self.pos),
                        "Only begin, process and end blocks can follow a named block.",
                        "put this statement inside one of the begin { }, process { } or end { } blocks",
                    ));
                };
                let kspan = self.take_keyword(k);
                let (body, _) = self.parse_block(&format!("'{k}'"))?;
                let slot = match k {
                    "begin" => &mut begin,
                    "process" => &mut process,
                    _ => &mut end,
                };
                if slot.is_some() {
                    return Err(self.err(
                        kspan,
                        format!("The script block has more than one '{k}' block."),
                        format!("merge the '{k}' blocks into one"),
                    ));
                }
                *slot = Some(body);
            }
        } else {
            end = Some(self.parse_statement_list('}')?);
        }
        if !self.eat('}') {
            return Err(self.missing_close(open, "{", '}', "script block"));
        }
        let text = self.text(Span::new(open + 1, self.pos - 1)).to_string();
        Ok(ScriptBlock {
            params,
            attributes,
            begin,
            process,
            end,
            text,
            span: Span::new(open, self.pos),
        })
    }

    /// At `begin {`, `process {` or `end {`?
    fn at_named_block(&self) -> bool {
        let Some(k) = self.peek_keyword() else {
            return false;
        };
        if !NAMED_BLOCKS.contains(&k) {
            return false;
        }
        let after = self.rest().get(k.len()..).unwrap_or("");
        after
            .trim_start_matches(|c: char| is_inline_ws(c) || is_newline(c))
            .starts_with('{')
    }

    /// At `param (` or `[Attribute(...)] ... param (`? A textual look-ahead (no parsing).
    pub(super) fn at_param_block(&self) -> bool {
        let src = self.rest();
        let mut i = 0;
        loop {
            let rest = src.get(i..).unwrap_or("");
            let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace());
            i += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                let nl = trimmed.find(is_newline).unwrap_or(trimmed.len());
                i += nl;
                continue;
            }
            if trimmed.starts_with('[') {
                match skip_brackets(trimmed) {
                    Some(n) => {
                        i += n;
                        continue;
                    }
                    None => return false,
                }
            }
            if trimmed.len() >= 5
                && trimmed.is_char_boundary(5)
                && trimmed[..5].eq_ignore_ascii_case("param")
            {
                return trimmed[5..]
                    .trim_start_matches(|c: char| c.is_whitespace())
                    .starts_with('(');
            }
            return false;
        }
    }

    /// `[CmdletBinding()] param(...)` at the start of a script.
    pub(super) fn parse_script_param_block(&mut self) -> PResult<Statement> {
        let start = self.pos;
        let (attributes, params) = self.parse_param_block()?;
        Ok(Statement::ParamBlock {
            attributes,
            params,
            span: Span::new(start, self.pos),
        })
    }

    /// Attributes, then `param ( ... )`.
    fn parse_param_block(&mut self) -> PResult<(Vec<Attribute>, Vec<Parameter>)> {
        let mut attributes = Vec::new();
        loop {
            self.skip_ws_nl()?;
            if self.peek() != Some('[') {
                break;
            }
            let at = self.pos;
            match self.parse_attribute_or_type()? {
                AttrOrType::Attr(a) => attributes.push(a),
                AttrOrType::Type(t) => {
                    return Err(self.err(
                        Span::new(at, self.pos),
                        format!("A type [{t}] cannot stand before param(...)."),
                        "put types on the parameters inside param(...): param([string]$Name)",
                    ))
                }
            }
        }
        self.skip_ws_nl()?;
        self.take_keyword("param");
        self.skip_ws_nl()?;
        let open = self.pos;
        self.bump();
        let params = self.parse_parameter_list(open)?;
        Ok((attributes, params))
    }

    /// After `(`: parameters separated by `,`, through the closing `)`.
    fn parse_parameter_list(&mut self, open: usize) -> PResult<Vec<Parameter>> {
        self.nested(|p| {
            let mut params: Vec<Parameter> = Vec::new();
            loop {
                p.skip_ws_nl()?;
                if p.eat(')') {
                    return Ok(params);
                }
                if p.eof() {
                    return Err(p.missing_close(open, "(", ')', "parameter list"));
                }
                let param = p.parse_parameter()?;
                if params
                    .iter()
                    .any(|q| q.name.name.eq_ignore_ascii_case(&param.name.name))
                {
                    return Err(p.err(
                        param.name.span,
                        format!(
                            "Duplicate parameter ${} in the parameter list.",
                            param.name.name
                        ),
                        "give each parameter a different name",
                    ));
                }
                params.push(param);
                p.skip_ws_nl()?;
                if p.eat(',') {
                    continue;
                }
                if p.eat(')') {
                    return Ok(params);
                }
                if p.eof() {
                    return Err(p.missing_close(open, "(", ')', "parameter list"));
                }
                return Err(p.err(
                    p.token_span(p.pos),
                    "Missing ',' or ')' in the parameter list.",
                    "separate parameters with ',' and close the list with ')'",
                ));
            }
        })
    }

    /// `[Parameter(Mandatory)] [string] $Name = 'default'`
    fn parse_parameter(&mut self) -> PResult<Parameter> {
        let start = self.pos;
        let mut attributes = Vec::new();
        let mut type_name = None;
        loop {
            self.skip_ws_nl()?;
            if self.peek() != Some('[') {
                break;
            }
            match self.parse_attribute_or_type()? {
                AttrOrType::Attr(a) => attributes.push(a),
                AttrOrType::Type(t) => type_name = Some(t),
            }
        }
        let name = match self.peek() {
            Some('$') => self.parse_variable()?,
            _ => None,
        };
        let Some(name) = name else {
            return Err(self
                .err(
                    self.token_span(self.pos),
                    "Missing parameter name: a parameter is written $Name.",
                    "write the parameter as [type]$Name or $Name = 'default'",
                )
                .incomplete_if(self.at_real_eof()));
        };
        self.skip_ws()?;
        let mut default = None;
        if self.peek() == Some('=') && self.peek_nth(1) != Some('=') {
            let eq = self.pos;
            self.bump();
            self.skip_ws_nl()?;
            if self.at_expr_end() {
                return Err(self
                    .err(
                        Span::new(eq, eq + 1),
                        format!("Missing the default value of ${} after '='.", name.name),
                        "write a value after '=' or remove the '='",
                    )
                    .incomplete_if(self.at_real_eof()));
            }
            default = Some(self.parse_expr(false)?);
        }
        let end = default.as_ref().map_or(name.span.end, |d| d.span().end);
        Ok(Parameter {
            name,
            type_name,
            attributes,
            default,
            span: Span::new(start, end),
        })
    }

    /// At `[`: `[Name(args)]` (an attribute) or `[TypeName]`.
    fn parse_attribute_or_type(&mut self) -> PResult<AttrOrType> {
        let open = self.pos;
        let inner = self.rest().get(1..).unwrap_or("");
        let lead = inner.len() - inner.trim_start_matches(is_inline_ws).len();
        let after_lead = &inner[lead..];
        let name_len = after_lead
            .find(|c: char| !(is_word_char(c) || c == '.'))
            .unwrap_or(after_lead.len());
        let after_name = &after_lead[name_len..];
        let is_attribute =
            name_len > 0 && after_name.trim_start_matches(is_inline_ws).starts_with('(');
        if !is_attribute {
            let (name, _) = self.scan_type_name()?;
            return Ok(AttrOrType::Type(name));
        }
        let name = after_lead[..name_len].to_string();
        self.pos = open + 1 + lead + name_len;
        self.skip_ws()?;
        let paren = self.pos;
        self.bump();
        let args = self.nested(|p| {
            let mut args: Vec<(Option<String>, Expr)> = Vec::new();
            loop {
                p.skip_ws_nl()?;
                if p.eat(')') {
                    return Ok(args);
                }
                if p.eof() {
                    return Err(p.missing_close(paren, "(", ')', "attribute"));
                }
                // `Name = value` or a bare `Name` (= $true)
                let rest = p.rest();
                let word_len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                let after = rest[word_len..].trim_start_matches(is_inline_ws);
                if word_len > 0 && rest.starts_with(super::is_ident_start) {
                    let key_span = Span::new(p.pos, p.pos + word_len);
                    let key = p.text(key_span).to_string();
                    if after.starts_with('=') && !after.starts_with("==") {
                        p.pos += word_len;
                        p.skip_ws()?;
                        p.bump();
                        p.skip_ws_nl()?;
                        let value = p.parse_expr(false)?;
                        args.push((Some(key), value));
                    } else if after.starts_with(',') || after.starts_with(')') || after.is_empty() {
                        p.pos += word_len;
                        let t = Expr::Variable(Variable {
                            name: "true".into(),
                            span: key_span,
                        });
                        args.push((Some(key), t));
                    } else {
                        args.push((None, p.parse_expr(false)?));
                    }
                } else {
                    args.push((None, p.parse_expr(false)?));
                }
                p.skip_ws_nl()?;
                if p.eat(',') {
                    continue;
                }
                if p.eat(')') {
                    return Ok(args);
                }
                if p.eof() {
                    return Err(p.missing_close(paren, "(", ')', "attribute"));
                }
                return Err(p.err(
                    p.token_span(p.pos),
                    "Missing ',' or ')' in the attribute's arguments.",
                    "write attribute arguments as Name = value, separated by ','",
                ));
            }
        })?;
        self.skip_ws()?;
        if !self.eat(']') {
            return Err(self.missing_close(open, "[", ']', "attribute"));
        }
        Ok(AttrOrType::Attr(Attribute {
            name,
            args,
            span: Span::new(open, self.pos),
        }))
    }
}

/// Length of a balanced `[...]` at the start of `s` (nested brackets, parentheses, braces and
/// quoted strings inside), or None when it is not closed.
fn skip_brackets(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}
