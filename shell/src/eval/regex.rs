//! A small backtracking regular-expression engine with .NET's syntax and semantics, for `-match`,
//! `-replace`, `-split` and `Where-Object -Match`.
//!
//! Supported: literals and escapes (`\t \n \r \f \v \e \xHH \uHHHH`), `.`, classes (`[a-z]`,
//! `[^...]`, `\d \w \s` and their negations), anchors (`^ $ \A \z \Z \b \B`), groups (capturing,
//! `(?:...)`, named `(?<n>...)` / `(?'n'...)` / `(?P<n>...)`, atomic `(?>...)`), lookahead and
//! lookbehind (`(?=...) (?!...) (?<=...) (?<!...)`), inline options (`(?i) (?-i) (?m) (?s) (?x)` and
//! `(?i:...)`), greedy and lazy quantifiers (`* + ? {n} {n,} {n,m}` and `...?`), alternation and
//! backreferences (`\1`, `\k<name>`). Groups are numbered as .NET numbers them: unnamed groups
//! first, left to right, then named ones.
//!
//! Matching runs on an explicit backtracking stack (no recursion per character) with a step
//! budget, so a pathological pattern is an error, never a hang or a stack overflow.

use std::collections::HashMap;

/// How many VM steps one search may take before it is abandoned.
const STEP_BUDGET: u64 = 20_000_000;
/// Upper bound on compiled program size (counted repetitions are expanded).
const MAX_PROGRAM: usize = 200_000;
/// Nesting of groups in a pattern.
const MAX_NESTING: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Flags {
    ignore_case: bool,
    multiline: bool,
    singleline: bool,
    extended: bool,
}

#[derive(Debug, Clone)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, Clone)]
struct Class {
    items: Vec<ClassItem>,
    negated: bool,
    ignore_case: bool,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        let hit = |c: char| {
            self.items.iter().any(|i| match i {
                ClassItem::Range(a, b) => *a <= c && c <= *b,
                ClassItem::Digit(neg) => c.is_ascii_digit() != *neg,
                ClassItem::Word(neg) => is_word(c) != *neg,
                ClassItem::Space(neg) => c.is_whitespace() != *neg,
            })
        };
        let mut found = hit(c);
        if !found && self.ignore_case {
            found = hit(fold(c)) || c.to_uppercase().any(hit);
        }
        found != self.negated
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Simple case folding: the single-character lower case of `c`.
pub(crate) fn fold(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Assert {
    LineStart,
    LineEnd,
    TextStart,
    TextEnd,
    TextEndNewline,
    WordBoundary,
    NotWordBoundary,
}

/// The pattern's syntax tree.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char, bool),
    Any(bool),
    Class(Box<Class>),
    Assert(Assert, bool),
    Group(Box<Node>, Option<usize>),
    NamedGroup(Box<Node>, String),
    Look {
        node: Box<Node>,
        ahead: bool,
        negate: bool,
    },
    Atomic(Box<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Backref(BackrefTarget, bool),
}

#[derive(Debug, Clone)]
enum BackrefTarget {
    Number(usize),
    Name(String),
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char, bool),
    Any(bool),
    Class(usize),
    Assert(Assert, bool),
    Split(usize, usize),
    Jmp(usize),
    Save(usize),
    /// Remember the position in a progress register (for loops whose body can match empty).
    Mark(usize),
    /// Fail when the position has not moved since the matching `Mark`.
    Progress(usize),
    Backref(usize, bool),
    Look {
        prog: usize,
        ahead: bool,
        negate: bool,
    },
    Atomic(usize),
    Match,
}

#[derive(Debug, Clone, Default)]
struct Program {
    insts: Vec<Inst>,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    progs: Vec<Program>,
    classes: Vec<Class>,
    /// capture slots: 2 per group (group 0 = the whole match)
    groups: usize,
    /// progress registers
    marks: usize,
    /// group names and their numbers, in number order
    names: Vec<(String, usize)>,
}

/// One match: the span of each group (char offsets), `None` for a group that did not take part.
#[derive(Debug, Clone, PartialEq)]
pub struct Captures {
    pub groups: Vec<Option<(usize, usize)>>,
}

impl Captures {
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        self.groups.get(i).copied().flatten()
    }
}

struct ParseState<'p> {
    chars: Vec<char>,
    pos: usize,
    unnamed: usize,
    named: Vec<String>,
    depth: usize,
    _pattern: &'p str,
}

impl ParseState<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn rest_starts(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }
    fn err(&self, msg: &str) -> String {
        format!("{msg} at offset {}", self.pos)
    }

    fn parse_alt(&mut self, flags: &mut Flags) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err("the pattern is nested too deeply"));
        }
        let mut alts = Vec::new();
        let start_flags = *flags;
        loop {
            alts.push(self.parse_concat(flags)?);
            if !self.eat('|') {
                break;
            }
        }
        // options set inside a group end with it
        *flags = start_flags;
        self.depth -= 1;
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(alts)
        })
    }

    fn parse_concat(&mut self, flags: &mut Flags) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            if flags.extended {
                if c.is_whitespace() {
                    self.pos += 1;
                    continue;
                }
                if c == '#' {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                    continue;
                }
            }
            let atom = self.parse_atom(flags)?;
            let atom = self.parse_quantifier(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn parse_number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        s.parse().ok()
    }

    fn parse_quantifier(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => {
                let save = self.pos;
                self.pos += 1;
                let Some(min) = self.parse_number() else {
                    self.pos = save;
                    return Ok(atom);
                };
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        match self.parse_number() {
                            Some(m) => Some(m),
                            None => {
                                self.pos = save;
                                return Ok(atom);
                            }
                        }
                    }
                } else {
                    Some(min)
                };
                if !self.eat('}') {
                    self.pos = save;
                    return Ok(atom);
                }
                if max.is_some_and(|m| m < min) {
                    return Err(self.err("illegal {x,y} with x > y"));
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Empty) {
            return Err(self.err("quantifier following nothing"));
        }
        let greedy = !self.eat('?');
        if matches!(self.peek(), Some('*' | '+' | '?')) {
            return Err(self.err("nested quantifier"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            greedy,
        })
    }

    fn parse_atom(&mut self, flags: &mut Flags) -> Result<Node, String> {
        let Some(c) = self.bump() else {
            return Ok(Node::Empty);
        };
        Ok(match c {
            '.' => Node::Any(flags.singleline),
            '^' => Node::Assert(
                if flags.multiline {
                    Assert::LineStart
                } else {
                    Assert::TextStart
                },
                false,
            ),
            '$' => Node::Assert(
                if flags.multiline {
                    Assert::LineEnd
                } else {
                    Assert::TextEndNewline
                },
                false,
            ),
            '[' => Node::Class(Box::new(self.parse_class(flags)?)),
            '(' => self.parse_group(flags)?,
            '\\' => self.parse_escape(flags)?,
            '*' | '+' | '?' => return Err(self.err("quantifier following nothing")),
            other => Node::Char(other, flags.ignore_case),
        })
    }

    fn parse_group(&mut self, flags: &mut Flags) -> Result<Node, String> {
        let mut inner_flags = *flags;
        let node = if self.eat('?') {
            match self.peek() {
                Some(':') => {
                    self.pos += 1;
                    self.parse_alt(&mut inner_flags)?
                }
                Some('=') | Some('!') => {
                    let negate = self.bump() == Some('!');
                    let n = self.parse_alt(&mut inner_flags)?;
                    Node::Look {
                        node: Box::new(n),
                        ahead: true,
                        negate,
                    }
                }
                Some('>') => {
                    self.pos += 1;
                    Node::Atomic(Box::new(self.parse_alt(&mut inner_flags)?))
                }
                Some('<') if matches!(self.peek_at(1), Some('=' | '!')) => {
                    self.pos += 1;
                    let negate = self.bump() == Some('!');
                    let n = self.parse_alt(&mut inner_flags)?;
                    Node::Look {
                        node: Box::new(n),
                        ahead: false,
                        negate,
                    }
                }
                Some('<' | '\'' | 'P') => {
                    if self.peek() == Some('P') {
                        self.pos += 1;
                        if self.peek() != Some('<') {
                            return Err(self.err("unrecognized grouping construct"));
                        }
                    }
                    let close = if self.bump() == Some('\'') { '\'' } else { '>' };
                    let start = self.pos;
                    while self.peek().is_some_and(is_word) {
                        self.pos += 1;
                    }
                    let name: String = self.chars[start..self.pos].iter().collect();
                    if name.is_empty() || !self.eat(close) {
                        return Err(self.err("invalid group name"));
                    }
                    let n = self.parse_alt(&mut inner_flags)?;
                    if let Ok(num) = name.parse::<usize>() {
                        Node::Group(Box::new(n), Some(num))
                    } else {
                        if !self.named.contains(&name) {
                            self.named.push(name.clone());
                        }
                        Node::NamedGroup(Box::new(n), name)
                    }
                }
                Some('#') => {
                    while self.peek().is_some_and(|c| c != ')') {
                        self.pos += 1;
                    }
                    if !self.eat(')') {
                        return Err(self.err("unterminated (?#...) comment"));
                    }
                    return Ok(Node::Empty);
                }
                _ => {
                    // inline options: (?imsx-imsx) or (?imsx-imsx:...)
                    let mut on = true;
                    let mut target = inner_flags;
                    loop {
                        match self.bump() {
                            Some('i') => target.ignore_case = on,
                            Some('m') => target.multiline = on,
                            Some('s') => target.singleline = on,
                            Some('x') => target.extended = on,
                            Some('n') => {}
                            Some('-') => on = false,
                            Some(')') => {
                                // applies to the rest of the enclosing group
                                *flags = target;
                                return Ok(Node::Empty);
                            }
                            Some(':') => {
                                let mut f = target;
                                let n = self.parse_alt(&mut f)?;
                                if !self.eat(')') {
                                    return Err(self.err("not enough )'s"));
                                }
                                return Ok(n);
                            }
                            _ => return Err(self.err("unrecognized grouping construct")),
                        }
                    }
                }
            }
        } else {
            self.unnamed += 1;
            let num = self.unnamed;
            let n = self.parse_alt(&mut inner_flags)?;
            Node::Group(Box::new(n), Some(num))
        };
        if !self.eat(')') {
            return Err(self.err("not enough )'s"));
        }
        Ok(node)
    }

    fn parse_hex(&mut self, digits: usize) -> Result<char, String> {
        let start = self.pos;
        for _ in 0..digits {
            if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                return Err(self.err("insufficient hexadecimal digits"));
            }
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        u32::from_str_radix(&s, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.err("invalid character code"))
    }

    /// After `\` in or out of a class: a single character, or None for a class escape
    /// (handled by the caller).
    fn escape_char(&mut self, c: char) -> Result<Option<char>, String> {
        Ok(Some(match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{c}',
            'v' => '\u{b}',
            'a' => '\u{7}',
            'e' => '\u{1b}',
            '0' => '\0',
            'x' => self.parse_hex(2)?,
            'u' => self.parse_hex(4)?,
            'c' => {
                let Some(l) = self.bump() else {
                    return Err(self.err("missing control character"));
                };
                char::from_u32((l.to_ascii_uppercase() as u32) ^ 0x40).unwrap_or(l)
            }
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => return Ok(None),
            c if c.is_ascii_alphabetic() => {
                return Err(self.err(&format!("unrecognized escape sequence \\{c}")))
            }
            other => other,
        }))
    }

    fn class_escape(c: char) -> Option<ClassItem> {
        Some(match c {
            'd' => ClassItem::Digit(false),
            'D' => ClassItem::Digit(true),
            'w' => ClassItem::Word(false),
            'W' => ClassItem::Word(true),
            's' => ClassItem::Space(false),
            'S' => ClassItem::Space(true),
            _ => return None,
        })
    }

    fn parse_escape(&mut self, flags: &Flags) -> Result<Node, String> {
        let Some(c) = self.bump() else {
            return Err(self.err("illegal \\ at end of pattern"));
        };
        if let Some(item) = Self::class_escape(c) {
            return Ok(Node::Class(Box::new(Class {
                items: vec![item],
                negated: false,
                ignore_case: false,
            })));
        }
        let assert = match c {
            'b' => Some(Assert::WordBoundary),
            'B' => Some(Assert::NotWordBoundary),
            'A' | 'G' => Some(Assert::TextStart),
            'z' => Some(Assert::TextEnd),
            'Z' => Some(Assert::TextEndNewline),
            _ => None,
        };
        if let Some(a) = assert {
            return Ok(Node::Assert(a, false));
        }
        if c.is_ascii_digit() && c != '0' {
            let mut n = c.to_digit(10).unwrap_or(0) as usize;
            while let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d as usize);
                self.pos += 1;
            }
            return Ok(Node::Backref(BackrefTarget::Number(n), flags.ignore_case));
        }
        if c == 'k' && matches!(self.peek(), Some('<' | '\'')) {
            let close = if self.bump() == Some('<') { '>' } else { '\'' };
            let start = self.pos;
            while self.peek().is_some_and(is_word) {
                self.pos += 1;
            }
            let name: String = self.chars[start..self.pos].iter().collect();
            if name.is_empty() || !self.eat(close) {
                return Err(self.err("malformed \\k<...> named back reference"));
            }
            return Ok(Node::Backref(
                match name.parse::<usize>() {
                    Ok(n) => BackrefTarget::Number(n),
                    Err(_) => BackrefTarget::Name(name),
                },
                flags.ignore_case,
            ));
        }
        match self.escape_char(c)? {
            Some(ch) => Ok(Node::Char(ch, flags.ignore_case)),
            None => Err(self.err("unrecognized escape sequence")),
        }
    }

    fn parse_class(&mut self, flags: &Flags) -> Result<Class, String> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err("unterminated [] set"));
            };
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let Some(e) = self.bump() else {
                    return Err(self.err("illegal \\ at end of pattern"));
                };
                if let Some(item) = Self::class_escape(e) {
                    items.push(item);
                    continue;
                }
                if e == 'b' {
                    '\u{8}'
                } else {
                    match self.escape_char(e)? {
                        Some(ch) => ch,
                        None => return Err(self.err("unrecognized escape sequence")),
                    }
                }
            } else if c == '[' && self.peek() == Some(':') {
                // POSIX-like [:alpha:] is not .NET; take '[' literally
                '['
            } else {
                c
            };
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                if self.rest_starts("-[") {
                    return Err(self.err("character class subtraction is not supported"));
                }
                self.pos += 1;
                let Some(h) = self.bump() else {
                    return Err(self.err("unterminated [] set"));
                };
                let hi = if h == '\\' {
                    let Some(e) = self.bump() else {
                        return Err(self.err("illegal \\ at end of pattern"));
                    };
                    match self.escape_char(e)? {
                        Some(ch) => ch,
                        None => return Err(self.err("a range cannot end with a class")),
                    }
                } else {
                    h
                };
                if hi < lo {
                    return Err(self.err("[x-y] range in reverse order"));
                }
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(ClassItem::Range(lo, lo));
            }
        }
        Ok(Class {
            items,
            negated,
            ignore_case: flags.ignore_case,
        })
    }
}

struct Compiler {
    progs: Vec<Program>,
    classes: Vec<Class>,
    group_numbers: HashMap<String, usize>,
    marks: usize,
    max_group: usize,
}

impl Compiler {
    fn can_be_empty(node: &Node) -> bool {
        match node {
            Node::Empty | Node::Assert(..) | Node::Look { .. } | Node::Backref(..) => true,
            Node::Char(..) | Node::Any(_) | Node::Class(_) => false,
            Node::Group(n, _) | Node::NamedGroup(n, _) | Node::Atomic(n) => Self::can_be_empty(n),
            Node::Repeat { node, min, .. } => *min == 0 || Self::can_be_empty(node),
            Node::Concat(items) => items.iter().all(Self::can_be_empty),
            Node::Alt(items) => items.iter().any(Self::can_be_empty),
        }
    }

    fn emit(&mut self, prog: usize, inst: Inst) -> Result<usize, String> {
        let p = &mut self.progs[prog];
        if p.insts.len() >= MAX_PROGRAM {
            return Err("the pattern is too large".into());
        }
        p.insts.push(inst);
        Ok(p.insts.len() - 1)
    }

    fn pc(&self, prog: usize) -> usize {
        self.progs[prog].insts.len()
    }

    fn patch(&mut self, prog: usize, at: usize, inst: Inst) {
        self.progs[prog].insts[at] = inst;
    }

    fn sub_program(&mut self, node: &Node) -> Result<usize, String> {
        self.progs.push(Program::default());
        let id = self.progs.len() - 1;
        self.compile(id, node)?;
        self.emit(id, Inst::Match)?;
        Ok(id)
    }

    fn compile(&mut self, prog: usize, node: &Node) -> Result<(), String> {
        match node {
            Node::Empty => {}
            Node::Char(c, ic) => {
                self.emit(prog, Inst::Char(if *ic { fold(*c) } else { *c }, *ic))?;
            }
            Node::Any(nl) => {
                self.emit(prog, Inst::Any(*nl))?;
            }
            Node::Class(c) => {
                self.classes.push((**c).clone());
                let id = self.classes.len() - 1;
                self.emit(prog, Inst::Class(id))?;
            }
            Node::Assert(a, neg) => {
                self.emit(prog, Inst::Assert(*a, *neg))?;
            }
            Node::Group(n, num) => {
                let num = num.unwrap_or(0);
                self.max_group = self.max_group.max(num);
                self.emit(prog, Inst::Save(num * 2))?;
                self.compile(prog, n)?;
                self.emit(prog, Inst::Save(num * 2 + 1))?;
            }
            Node::NamedGroup(n, name) => {
                let num = self.group_numbers.get(name).copied().unwrap_or(0);
                self.emit(prog, Inst::Save(num * 2))?;
                self.compile(prog, n)?;
                self.emit(prog, Inst::Save(num * 2 + 1))?;
            }
            Node::Look {
                node,
                ahead,
                negate,
            } => {
                let sub = if *ahead {
                    self.sub_program(node)?
                } else {
                    // run on the text cut where the lookbehind stands: it must reach the end
                    let anchored =
                        Node::Concat(vec![(**node).clone(), Node::Assert(Assert::TextEnd, false)]);
                    self.sub_program(&anchored)?
                };
                self.emit(
                    prog,
                    Inst::Look {
                        prog: sub,
                        ahead: *ahead,
                        negate: *negate,
                    },
                )?;
            }
            Node::Atomic(n) => {
                let sub = self.sub_program(n)?;
                self.emit(prog, Inst::Atomic(sub))?;
            }
            Node::Backref(target, ic) => {
                let num = match target {
                    BackrefTarget::Number(n) => *n,
                    BackrefTarget::Name(name) => match self.group_numbers.get(name) {
                        Some(n) => *n,
                        None => return Err(format!("reference to undefined group name '{name}'")),
                    },
                };
                self.emit(prog, Inst::Backref(num, *ic))?;
            }
            Node::Concat(items) => {
                for i in items {
                    self.compile(prog, i)?;
                }
            }
            Node::Alt(items) => {
                let mut jumps = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if i + 1 < items.len() {
                        let split = self.emit(prog, Inst::Split(0, 0))?;
                        self.compile(prog, item)?;
                        jumps.push(self.emit(prog, Inst::Jmp(0))?);
                        let next = self.pc(prog);
                        self.patch(prog, split, Inst::Split(split + 1, next));
                    } else {
                        self.compile(prog, item)?;
                    }
                }
                let end = self.pc(prog);
                for j in jumps {
                    self.patch(prog, j, Inst::Jmp(end));
                }
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                for _ in 0..*min {
                    self.compile(prog, node)?;
                }
                let empty = Self::can_be_empty(node);
                match max {
                    None => {
                        // L1: split L2, L3; L2: [mark] body [progress] jmp L1; L3:
                        let split = self.emit(prog, Inst::Split(0, 0))?;
                        let mark = if empty {
                            self.marks += 1;
                            let m = self.marks - 1;
                            self.emit(prog, Inst::Mark(m))?;
                            Some(m)
                        } else {
                            None
                        };
                        self.compile(prog, node)?;
                        if let Some(m) = mark {
                            self.emit(prog, Inst::Progress(m))?;
                        }
                        self.emit(prog, Inst::Jmp(split))?;
                        let end = self.pc(prog);
                        let inst = if *greedy {
                            Inst::Split(split + 1, end)
                        } else {
                            Inst::Split(end, split + 1)
                        };
                        self.patch(prog, split, inst);
                    }
                    Some(max) => {
                        let optional = max.saturating_sub(*min);
                        let mut splits = Vec::new();
                        for _ in 0..optional {
                            splits.push(self.emit(prog, Inst::Split(0, 0))?);
                            self.compile(prog, node)?;
                        }
                        let end = self.pc(prog);
                        for s in splits {
                            let inst = if *greedy {
                                Inst::Split(s + 1, end)
                            } else {
                                Inst::Split(end, s + 1)
                            };
                            self.patch(prog, s, inst);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

enum Backtrack {
    Resume(usize, usize),
    Restore(usize, Option<usize>),
    RestoreMark(usize, usize),
}

struct Vm<'r, 't> {
    re: &'r Regex,
    text: &'t [char],
    steps: u64,
}

impl Regex {
    /// Compile `pattern`; `ignore_case` is PowerShell's default for `-match` / `-replace`.
    pub fn new(pattern: &str, ignore_case: bool) -> Result<Regex, String> {
        let mut st = ParseState {
            chars: pattern.chars().collect(),
            pos: 0,
            unnamed: 0,
            named: Vec::new(),
            depth: 0,
            _pattern: pattern,
        };
        let mut flags = Flags {
            ignore_case,
            multiline: false,
            singleline: false,
            extended: false,
        };
        let node = st.parse_alt(&mut flags)?;
        if st.pos < st.chars.len() {
            return Err(st.err("too many )'s"));
        }
        let mut group_numbers = HashMap::new();
        let mut names = Vec::new();
        for (i, n) in st.named.iter().enumerate() {
            let num = st.unnamed + 1 + i;
            group_numbers.insert(n.clone(), num);
            names.push((n.clone(), num));
        }
        let mut c = Compiler {
            progs: vec![Program::default()],
            classes: Vec::new(),
            group_numbers,
            marks: 0,
            max_group: st.unnamed + st.named.len(),
        };
        c.emit(0, Inst::Save(0))?;
        c.compile(0, &node)?;
        c.emit(0, Inst::Save(1))?;
        c.emit(0, Inst::Match)?;
        Ok(Regex {
            progs: c.progs,
            classes: c.classes,
            groups: c.max_group + 1,
            marks: c.marks,
            names,
        })
    }

    /// Number of groups, including group 0.
    pub fn group_count(&self) -> usize {
        self.groups
    }

    /// Every group's number and name (a name is the number as text for unnamed groups), in order.
    pub fn group_names(&self) -> Vec<(usize, String)> {
        (0..self.groups)
            .map(|i| {
                let name = self
                    .names
                    .iter()
                    .find(|(_, n)| *n == i)
                    .map(|(s, _)| s.clone())
                    .unwrap_or_else(|| i.to_string());
                (i, name)
            })
            .collect()
    }

    /// The first match starting at or after `start`.
    pub fn captures_from(&self, text: &[char], start: usize) -> Result<Option<Captures>, String> {
        let mut vm = Vm {
            re: self,
            text,
            steps: 0,
        };
        let mut at = start;
        while at <= text.len() {
            let mut slots = vec![None; self.groups * 2];
            let mut marks = vec![usize::MAX; self.marks];
            if vm.run(0, at, &mut slots, &mut marks)?.is_some() {
                let groups = (0..self.groups)
                    .map(|g| match (slots[g * 2], slots[g * 2 + 1]) {
                        (Some(a), Some(b)) if a <= b => Some((a, b)),
                        _ => None,
                    })
                    .collect();
                return Ok(Some(Captures { groups }));
            }
            at += 1;
        }
        Ok(None)
    }

    /// Every non-overlapping match, left to right.
    pub fn captures_all(&self, text: &[char]) -> Result<Vec<Captures>, String> {
        let mut out = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let Some(c) = self.captures_from(text, at)? else {
                break;
            };
            let (s, e) = c.get(0).unwrap_or((at, at));
            at = if e == s { e + 1 } else { e };
            out.push(c);
        }
        Ok(out)
    }

    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        let chars: Vec<char> = text.chars().collect();
        Ok(self.captures_from(&chars, 0)?.is_some())
    }
}

impl Vm<'_, '_> {
    fn word_at(&self, i: usize) -> bool {
        self.text.get(i).is_some_and(|c| is_word(*c))
    }

    fn assert(&self, a: Assert, pos: usize) -> bool {
        let len = self.text.len();
        match a {
            Assert::TextStart => pos == 0,
            Assert::TextEnd => pos == len,
            Assert::TextEndNewline => pos == len || (pos + 1 == len && self.text[pos] == '\n'),
            Assert::LineStart => pos == 0 || self.text[pos - 1] == '\n',
            Assert::LineEnd => pos == len || self.text[pos] == '\n',
            Assert::WordBoundary | Assert::NotWordBoundary => {
                let before = pos > 0 && self.word_at(pos - 1);
                let after = self.word_at(pos);
                (before != after) == (a == Assert::WordBoundary)
            }
        }
    }

    /// Run program `prog` from `pos`; on success returns the end position (slots updated).
    fn run(
        &mut self,
        prog: usize,
        pos: usize,
        slots: &mut [Option<usize>],
        marks: &mut [usize],
    ) -> Result<Option<usize>, String> {
        let insts = &self.re.progs[prog].insts;
        let mut stack: Vec<Backtrack> = vec![Backtrack::Resume(0, pos)];
        'outer: while let Some(entry) = stack.pop() {
            let (mut pc, mut pos) = match entry {
                Backtrack::Resume(pc, pos) => (pc, pos),
                Backtrack::Restore(slot, old) => {
                    slots[slot] = old;
                    continue;
                }
                Backtrack::RestoreMark(m, old) => {
                    marks[m] = old;
                    continue;
                }
            };
            loop {
                self.steps += 1;
                if self.steps > STEP_BUDGET {
                    return Err("the regular expression took too long to evaluate (catastrophic backtracking); simplify the pattern".into());
                }
                let Some(inst) = insts.get(pc) else {
                    continue 'outer;
                };
                match inst {
                    Inst::Match => return Ok(Some(pos)),
                    Inst::Char(c, ic) => {
                        let Some(t) = self.text.get(pos) else {
                            continue 'outer;
                        };
                        let ok = if *ic { fold(*t) == *c } else { t == c };
                        if !ok {
                            continue 'outer;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    Inst::Any(nl) => match self.text.get(pos) {
                        Some(t) if *nl || *t != '\n' => {
                            pc += 1;
                            pos += 1;
                        }
                        _ => continue 'outer,
                    },
                    Inst::Class(id) => match self.text.get(pos) {
                        Some(t) if self.re.classes[*id].matches(*t) => {
                            pc += 1;
                            pos += 1;
                        }
                        _ => continue 'outer,
                    },
                    Inst::Assert(a, neg) => {
                        if self.assert(*a, pos) == *neg {
                            continue 'outer;
                        }
                        pc += 1;
                    }
                    Inst::Split(a, b) => {
                        stack.push(Backtrack::Resume(*b, pos));
                        pc = *a;
                    }
                    Inst::Jmp(t) => pc = *t,
                    Inst::Save(slot) => {
                        if let Some(s) = slots.get_mut(*slot) {
                            stack.push(Backtrack::Restore(*slot, *s));
                            *s = Some(pos);
                        }
                        pc += 1;
                    }
                    Inst::Mark(m) => {
                        stack.push(Backtrack::RestoreMark(*m, marks[*m]));
                        marks[*m] = pos;
                        pc += 1;
                    }
                    Inst::Progress(m) => {
                        if marks[*m] == pos {
                            continue 'outer;
                        }
                        pc += 1;
                    }
                    Inst::Backref(g, ic) => {
                        let (Some(Some(s)), Some(Some(e))) =
                            (slots.get(g * 2), slots.get(g * 2 + 1))
                        else {
                            // .NET: a reference to a group that did not match fails
                            continue 'outer;
                        };
                        let (s, e) = (*s, *e);
                        if e < s {
                            continue 'outer;
                        }
                        let len = e - s;
                        if pos + len > self.text.len() {
                            continue 'outer;
                        }
                        let same = (0..len).all(|i| {
                            let (a, b) = (self.text[s + i], self.text[pos + i]);
                            if *ic {
                                fold(a) == fold(b)
                            } else {
                                a == b
                            }
                        });
                        if !same {
                            continue 'outer;
                        }
                        pos += len;
                        pc += 1;
                    }
                    Inst::Look {
                        prog: sub,
                        ahead,
                        negate,
                    } => {
                        let mut trial = slots.to_vec();
                        let found = if *ahead {
                            self.run(*sub, pos, &mut trial, marks)?.is_some()
                        } else {
                            let mut hit = false;
                            for start in (0..=pos).rev() {
                                let mut t = slots.to_vec();
                                if self.run_to(*sub, start, pos, &mut t, marks)? {
                                    trial = t;
                                    hit = true;
                                    break;
                                }
                            }
                            hit
                        };
                        if found == *negate {
                            continue 'outer;
                        }
                        if !negate {
                            for (i, v) in trial.into_iter().enumerate() {
                                if slots[i] != v {
                                    stack.push(Backtrack::Restore(i, slots[i]));
                                    slots[i] = v;
                                }
                            }
                        }
                        pc += 1;
                    }
                    Inst::Atomic(sub) => {
                        let mut trial = slots.to_vec();
                        let Some(end) = self.run(*sub, pos, &mut trial, marks)? else {
                            continue 'outer;
                        };
                        for (i, v) in trial.into_iter().enumerate() {
                            if slots[i] != v {
                                stack.push(Backtrack::Restore(i, slots[i]));
                                slots[i] = v;
                            }
                        }
                        pos = end;
                        pc += 1;
                    }
                }
            }
        }
        Ok(None)
    }

    /// Does lookbehind program `prog` match from `start` ending exactly at `end`?
    fn run_to(
        &mut self,
        prog: usize,
        start: usize,
        end: usize,
        slots: &mut [Option<usize>],
        marks: &mut [usize],
    ) -> Result<bool, String> {
        let mut vm = Vm {
            re: self.re,
            text: &self.text[..end],
            steps: self.steps,
        };
        let found = vm.run(prog, start, slots, marks)?.is_some();
        self.steps = vm.steps;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(p: &str, t: &str) -> Option<String> {
        let re = Regex::new(p, true).unwrap();
        let chars: Vec<char> = t.chars().collect();
        re.captures_from(&chars, 0)
            .unwrap()
            .and_then(|c| c.get(0))
            .map(|(s, e)| chars[s..e].iter().collect())
    }

    fn group(p: &str, t: &str, g: usize) -> Option<String> {
        let re = Regex::new(p, false).unwrap();
        let chars: Vec<char> = t.chars().collect();
        re.captures_from(&chars, 0)
            .unwrap()
            .and_then(|c| c.get(g))
            .map(|(s, e)| chars[s..e].iter().collect())
    }

    #[test]
    fn basics() {
        assert_eq!(find("b+", "abbbc").as_deref(), Some("bbb"));
        assert_eq!(find("b+?", "abbbc").as_deref(), Some("b"));
        assert_eq!(find("^a.c$", "abc").as_deref(), Some("abc"));
        assert_eq!(find("^a.c$", "xabc"), None);
        assert_eq!(find("[a-c]{2,3}", "xxabcabc").as_deref(), Some("abc"));
        assert_eq!(find("\\d+", "ab 123 c").as_deref(), Some("123"));
        assert_eq!(find("\\bcat\\b", "concat cat").as_deref(), Some("cat"));
        assert_eq!(
            find("CONTOSO", "mail.contoso.com").as_deref(),
            Some("contoso")
        );
        assert_eq!(find("a|bc|d", "xxbc").as_deref(), Some("bc"));
        assert_eq!(find("\\.com$", "a.com\n").as_deref(), Some(".com"));
        assert_eq!(find("[^a-z]+", "abc123def").as_deref(), Some("123"));
        assert_eq!(find("x*", "aaa").as_deref(), Some(""));
        assert_eq!(find("(a|b?)+c", "ababc").as_deref(), Some("ababc"));
        assert_eq!(find("(a*)*b", "aaab").as_deref(), Some("aaab"));
        assert_eq!(find("(?-i)A", "aA").as_deref(), Some("A"));
        assert_eq!(find("foo(?=bar)", "foobaz foobar").as_deref(), Some("foo"));
        assert_eq!(find("(?<!x)y", "xy ay").as_deref(), Some("y"));
        assert_eq!(find("(?<=@)\\w+", "jo@contoso").as_deref(), Some("contoso"));
        assert_eq!(find("(\\w)\\1", "abccd").as_deref(), Some("cc"));
        assert_eq!(find("(?>a+)b", "aaab").as_deref(), Some("aaab"));
        assert_eq!(find("(?>a+)ab", "aaab"), None);
    }

    #[test]
    fn groups_are_numbered_like_dotnet() {
        assert_eq!(
            group("^CN=(.+?),", "CN=Jo Smith,O=X", 1).as_deref(),
            Some("Jo Smith")
        );
        let re = Regex::new("(?<user>\\w+)@(\\w+)", false).unwrap();
        assert_eq!(
            re.group_names(),
            vec![(0, "0".into()), (1, "1".into()), (2, "user".into())]
        );
        assert_eq!(
            group("(?<user>\\w+)@(\\w+)", "jo@contoso", 1).as_deref(),
            Some("contoso")
        );
        assert_eq!(
            group("(?<user>\\w+)@(\\w+)", "jo@contoso", 2).as_deref(),
            Some("jo")
        );
    }

    #[test]
    fn bad_patterns_are_errors() {
        for p in [
            "(",
            "a)",
            "[a",
            "*a",
            "a{3,1}",
            "\\",
            "\\q",
            "(?<n>a)\\k<m>",
            "a**",
        ] {
            assert!(Regex::new(p, true).is_err(), "{p}");
        }
    }

    #[test]
    fn catastrophic_patterns_stop() {
        let re = Regex::new("(a+)+$", false).unwrap();
        let text: Vec<char> = "a".repeat(40).chars().chain(['!']).collect();
        assert!(re.captures_from(&text, 0).is_err());
    }
}
