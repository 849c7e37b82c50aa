//! What is in brackets inside an action: indexes and slices (`[0]`, `[-1]`, `[1:3]`,
//! `[*]`), unions (`[0,2]`), quoted keys (`['a']`) and filters (`[?(@.x=="y")]`), parsed
//! as client-go's parser does, its regular expressions written out by hand.

use super::{Parser, parse_action};
use crate::jsonpath::{Node, Param, ParseError, Parsed, err};

impl Parser<'_> {
    pub(super) fn parse_array(&mut self) -> Parsed<()> {
        loop {
            match self.next() {
                None | Some('\n') => return err("unterminated array"),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.consume_text();
        let mut text = &text[1..text.len() - 1];
        if text == "*" {
            text = ":";
        }

        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            self.current().push(Node::Union(union));
            return Ok(());
        }

        // A quoted key: ['name'].
        if text.len() >= 2
            && text.starts_with('\'')
            && text.ends_with('\'')
            && !text[1..text.len() - 1].contains('\'')
        {
            let nodes = parse_action(&format!(".{}", &text[1..text.len() - 1]))?;
            self.current().extend(nodes);
            return Ok(());
        }

        let params = parse_slice(text)
            .ok_or_else(|| ParseError(format!("invalid array index {text}")))??;
        self.current().push(Node::Array(params));
        Ok(())
    }

    pub(super) fn parse_filter(&mut self) -> Parsed<()> {
        self.pos += 3;
        self.consume_text();
        let (mut begin, mut end) = (false, false);
        let mut pair = '\0';
        loop {
            let c = self.next();
            match c {
                None | Some('\n') => return err("unterminated filter"),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    let before = self.input.as_bytes().get(self.pos.wrapping_sub(2)).copied();
                    if before != Some(b'\\') && q == pair {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return err("unclosed array expect ]");
        }
        let text = self.consume_text();
        let text = &text[..text.len() - 2];
        let node = match split_comparison(text) {
            None => Node::Filter {
                left: parse_action(text)?,
                right: Vec::new(),
                op: "exists".to_owned(),
            },
            Some((left, op, right)) => Node::Filter {
                left: parse_action(left)?,
                right: parse_action(right)?,
                op: op.to_owned(),
            },
        };
        self.current().push(node);
        Ok(())
    }
}

/// `^([^!<>=]+)([!<>=]+)(.+?)$` of client-go's filter parser.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let op_start = text.find(is_op)?;
    if op_start == 0 {
        return None;
    }
    let run = text[op_start..]
        .find(|c: char| !is_op(c))
        .unwrap_or(text.len() - op_start);
    // The operator is greedy but leaves at least one character to the right side.
    let op_len = run.min(text.len() - op_start - 1);
    if op_len == 0 {
        return None;
    }
    let right = &text[op_start + op_len..];
    Some((&text[..op_start], &text[op_start..op_start + op_len], right))
}

/// `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` and the parameters it gives; `None` when the
/// text is not a slice at all.
fn parse_slice(text: &str) -> Option<Parsed<[Param; 3]>> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let valid = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        digits.chars().all(|c| c.is_ascii_digit())
    };
    if !parts.iter().all(|p| valid(p)) {
        return None;
    }
    let mut params = [Param::default(); 3];
    for i in 0..3 {
        let Some(&part) = parts.get(i) else {
            // A missing `:end` is derived from the start (`[i]` selects one element); a
            // missing step is unknown.
            if i == 1 {
                params[1] = Param {
                    value: params[0].value + 1,
                    known: true,
                    derived: true,
                };
            }
            continue;
        };
        if part.is_empty() {
            continue;
        }
        match part.parse::<i64>() {
            Ok(value) => {
                params[i] = Param {
                    value,
                    known: true,
                    derived: false,
                };
            }
            Err(_) => return Some(err(format!("array index {part} is not a number"))),
        }
    }
    Some(Ok(params))
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::tests::field;
    use super::*;

    #[test]
    fn indexes_slices_unions_and_keys() {
        let one = |text: &str| match parse(text).unwrap().remove(0) {
            Node::List(mut nodes) => nodes.remove(0),
            other => other,
        };
        let p = |value, known, derived| Param {
            value,
            known,
            derived,
        };
        assert_eq!(
            one("{[0]}"),
            Node::Array([p(0, true, false), p(1, true, true), p(0, false, false)])
        );
        assert_eq!(
            one("{[-1]}"),
            Node::Array([p(-1, true, false), p(0, true, true), p(0, false, false)])
        );
        assert_eq!(
            one("{[1:3]}"),
            Node::Array([p(1, true, false), p(3, true, false), p(0, false, false)])
        );
        assert!(matches!(one("{[0,2]}"), Node::Union(u) if u.len() == 2));
        assert_eq!(one("{['a\\.b']}"), field("a.b"));
        assert_eq!(
            one(r#"{[?(@.status=="True")]}"#),
            Node::Filter {
                left: vec![field("status")],
                right: vec![Node::Text("True".to_owned())],
                op: "==".to_owned()
            }
        );
    }
}
