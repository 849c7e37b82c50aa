//! Parsing a template into [`Node`]s, step for step as client-go's parser does: text and
//! actions, fields and identifiers, numbers, quoted strings (unquoted as Go's
//! `strconv.Unquote` does) and recursive descent; what is in brackets is in
//! `parse/brackets.rs`.

mod brackets;

use super::{Node, ParseError, Parsed, err};

/// Parses a template into the root's nodes (each action is one [`Node::List`]).
pub(super) fn parse(text: &str) -> Parsed<Vec<Node>> {
    let mut parser = Parser {
        input: text,
        pos: 0,
        start: 0,
        width: 0,
        root: Vec::new(),
    };
    parser.parse_text()?;
    Ok(parser.root)
}

/// Parses `{text}` and returns the action's nodes (client-go's `parseAction`).
fn parse_action(text: &str) -> Parsed<Vec<Node>> {
    let mut root = parse(&format!("{{{text}}}"))?;
    match root.drain(..).next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

const EOF: Option<char> = None;

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    root: Vec<Node>,
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_end_of_line(c: char) -> bool {
    c == '\r' || c == '\n'
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// Whether `c` may end an identifier or field name.
fn is_terminator(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => {
            is_space(c)
                || is_end_of_line(c)
                || matches!(c, '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
        }
    }
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
        }
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn peek(&mut self) -> Option<char> {
        self.rest().chars().next()
    }

    fn consume_text(&mut self) -> String {
        let value = self.input[self.start..self.pos].to_owned();
        self.start = self.pos;
        value
    }

    /// The node list the parser is adding to: the last action's.
    fn current(&mut self) -> &mut Vec<Node> {
        match self.root.last_mut() {
            Some(Node::List(nodes)) => nodes,
            _ => unreachable!("actions always start with a list"),
        }
    }

    fn parse_text(&mut self) -> Parsed<()> {
        loop {
            if self.rest().starts_with('{') {
                if self.pos > self.start {
                    let text = self.consume_text();
                    self.root.push(Node::Text(text));
                }
                // parseLeftDelim
                self.pos += 1;
                self.consume_text();
                self.root.push(Node::List(Vec::new()));
                return self.parse_inside_action();
            }
            if self.next() == EOF {
                break;
            }
        }
        if self.pos > self.start {
            let text = self.consume_text();
            self.root.push(Node::Text(text));
        }
        Ok(())
    }

    fn parse_inside_action(&mut self) -> Parsed<()> {
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume_text();
                return self.parse_text();
            }
            if rest.starts_with("[?(") {
                self.parse_filter()?;
                continue;
            }
            if rest.starts_with("..") {
                self.parse_recursive()?;
                continue;
            }
            match self.next() {
                None => return err("unclosed action"),
                Some(c) if is_end_of_line(c) => return err("unclosed action"),
                Some(' ' | '@' | '$') => {
                    self.consume_text();
                }
                Some('[') => self.parse_array()?,
                Some(q @ ('"' | '\'')) => self.parse_quote(q)?,
                Some('.') => self.parse_field()?,
                Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                    self.backup();
                    self.parse_number()?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier()?;
                }
                Some(c) => {
                    return err(format!(
                        "unrecognized character in action: U+{:04X} '{c}'",
                        u32::from(c)
                    ));
                }
            }
        }
    }

    fn parse_identifier(&mut self) -> Parsed<()> {
        loop {
            let c = self.next();
            if is_terminator(c) {
                if c.is_some() {
                    self.backup();
                }
                break;
            }
        }
        let value = self.consume_text();
        let node = match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value),
        };
        self.current().push(node);
        Ok(())
    }

    fn parse_recursive(&mut self) -> Parsed<()> {
        if matches!(self.current().last(), Some(Node::Recursive)) {
            return err("invalid multiple recursive descent");
        }
        self.pos += 2;
        self.consume_text();
        self.current().push(Node::Recursive);
        if self.peek().is_some_and(is_alphanumeric) {
            return self.parse_field();
        }
        Ok(())
    }

    fn parse_number(&mut self) -> Parsed<()> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || c.is_ascii_digit() => {}
                Some(_) => {
                    self.backup();
                    break;
                }
                None => break,
            }
        }
        let value = self.consume_text();
        let node = if let Ok(i) = value.parse::<i64>() {
            Node::Int(i)
        } else if let Ok(f) = value.parse::<f64>() {
            Node::Float(f)
        } else {
            return err(format!("cannot parse number {value}"));
        };
        self.current().push(node);
        Ok(())
    }

    fn parse_quote(&mut self, quote: char) -> Parsed<()> {
        loop {
            match self.next() {
                None | Some('\n') => return err("unterminated quoted string"),
                Some(c) if c == quote => {
                    if self.input.as_bytes()[self.pos - 2] != b'\\' {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        let value = self.consume_text();
        let text = unquote_extend(&value)
            .map_err(|e| ParseError(format!("unquote string {value} error {e}")))?;
        self.current().push(Node::Text(text));
        Ok(())
    }

    fn parse_field(&mut self) -> Parsed<()> {
        self.consume_text();
        loop {
            let c = self.next();
            if c == Some('\\') {
                self.next();
            } else if is_terminator(c) {
                if c.is_some() {
                    self.backup();
                }
                break;
            }
        }
        let value = self.consume_text();
        let node = if value == "*" {
            Node::Wildcard
        } else {
            Node::Field(value.replace('\\', ""))
        };
        self.current().push(node);
        Ok(())
    }
}

/// Go's `strconv.Unquote`, extended to accept single-quoted strings of any length.
fn unquote_extend(text: &str) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 {
        return Err("invalid syntax");
    }
    let quote = bytes[0];
    if quote != bytes[bytes.len() - 1] || (quote != b'"' && quote != b'\'') {
        return Err("invalid syntax");
    }
    let quote = char::from(quote);
    let mut chars = text[1..text.len() - 1].chars().peekable();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        if c == quote {
            return Err("invalid syntax");
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = chars.next().ok_or("invalid syntax")?;
        let mut hex = |n: usize| -> Result<u32, &'static str> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = chars
                    .next()
                    .and_then(|c| c.to_digit(16))
                    .ok_or("invalid syntax")?;
                v = v * 16 + d;
            }
            Ok(v)
        };
        match escape {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' | '"' if escape == quote => out.push(escape),
            'x' => out.push(char::from_u32(hex(2)?).ok_or("invalid syntax")?),
            'u' => out.push(char::from_u32(hex(4)?).ok_or("invalid syntax")?),
            'U' => out.push(char::from_u32(hex(8)?).ok_or("invalid syntax")?),
            '0'..='7' => {
                let mut v = escape.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = chars
                        .next()
                        .and_then(|c| c.to_digit(8))
                        .ok_or("invalid syntax")?;
                    v = v * 8 + d;
                }
                if v > 255 {
                    return Err("invalid syntax");
                }
                out.push(char::from_u32(v).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonpath::Param;

    pub(super) fn field(name: &str) -> Node {
        Node::Field(name.to_owned())
    }

    #[test]
    fn templates_parse_into_actions_and_text() {
        let nodes = parse(r#"{range .items[*]}{.metadata.name}{"\n"}{end}"#).unwrap();
        assert_eq!(nodes.len(), 4);
        assert_eq!(
            nodes[0],
            Node::List(vec![
                Node::Identifier("range".to_owned()),
                field("items"),
                Node::Array([Param::default(), Param::default(), Param::default()]),
            ])
        );
        assert_eq!(nodes[2], Node::List(vec![Node::Text("\n".to_owned())]));
        assert_eq!(
            parse("name: {.a}!").unwrap(),
            vec![
                Node::Text("name: ".to_owned()),
                Node::List(vec![field("a")]),
                Node::Text("!".to_owned())
            ]
        );
    }

    #[test]
    fn errors_are_client_go_words() {
        let e = |text: &str| parse(text).unwrap_err().0;
        assert_eq!(e("{.items"), "unclosed action");
        assert_eq!(e("{.a[0}"), "unterminated array");
        assert_eq!(e("{[x]}"), "invalid array index x");
        assert_eq!(e("{.a{}"), "unrecognized character in action: U+007B '{'");
        assert_eq!(e("{....a}"), "invalid multiple recursive descent");
        assert_eq!(
            e(r#"{"\q"}"#),
            r#"unquote string "\q" error invalid syntax"#
        );
    }
}
