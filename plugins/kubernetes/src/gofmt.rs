//! JSON values printed the way kubectl's Go code prints them, so that table cells,
//! `-o jsonpath` and `-o custom-columns` come out byte for byte as kubectl's.
//!
//! kubectl decodes what the server sends into Go's unstructured values: integers become
//! `int64`, other numbers `float64`, objects `map[string]interface{}`. Printed with
//! `fmt.Sprint` (`%v`) or encoded with `encoding/json`, each has its own rules:
//! `%v` writes floats in the shortest form with an exponent from 1e+06 up, maps as
//! `map[k:v]` with sorted keys and `null` as `<nil>`; `encoding/json` sorts keys too,
//! escapes `<`, `>` and `&`, and switches floats to exponents only below 1e-6 or from 1e21.

use serde_json::{Number, Value};

/// `fmt.Sprint(v)` of an unstructured value.
pub(crate) fn sprint(value: &Value) -> String {
    let mut out = String::new();
    write_sprint(value, &mut out);
    out
}

fn write_sprint(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_v(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_sprint(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_sprint(&map[key], out);
            }
            out.push(']');
        }
    }
}

/// A number as `%v` prints the `int64` or `float64` it decodes to.
fn number_v(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        // Beyond int64: the decoder falls back to float64.
        #[allow(clippy::cast_precision_loss, reason = "what Go's decoder does too")]
        return float_g(u as f64);
    }
    float_g(n.as_f64().unwrap_or(0.0))
}

/// The shortest decimal digits of `f` (no sign) and its decimal point position:
/// `f = 0.DIGITS × 10^point`.
fn shortest(f: f64) -> (String, i32) {
    // Rust's `{:e}` is the shortest representation that reads back as `f`, as Go's is.
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is what `%v` uses: `%e` when the
/// exponent is below -4 or at least 6 (the shortest form's threshold), `%f` otherwise.
pub(crate) fn float_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".to_owned()
        } else if f > 0.0 {
            "+Inf".to_owned()
        } else {
            "-Inf".to_owned()
        };
    }
    let (digits, point) = shortest(f);
    let exp = point - 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        format!("{sign}{}", exponent_form(&digits, exp, 2))
    } else {
        format!("{sign}{}", fixed_form(&digits, point))
    }
}

/// `d.ddde±XX` with at least `min_exp_digits` exponent digits.
fn exponent_form(digits: &str, exp: i32, min_exp_digits: usize) -> String {
    let (first, rest) = digits.split_at(1);
    let mantissa = if rest.is_empty() {
        first.to_owned()
    } else {
        format!("{first}.{rest}")
    };
    let sign = if exp < 0 { '-' } else { '+' };
    format!(
        "{mantissa}e{sign}{:0width$}",
        exp.unsigned_abs(),
        width = min_exp_digits
    )
}

/// The digits with the decimal point placed at `point`.
fn fixed_form(digits: &str, point: i32) -> String {
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= len {
        format!("{digits}{}", "0".repeat((point - len) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    }
}

/// A float as `encoding/json` writes it: `%f` in the shortest form, or `%e` (with
/// `e-7` rather than `e-07`) below 1e-6 and from 1e21.
fn float_json(f: f64) -> String {
    let abs = f.abs();
    let (digits, point) = shortest(f);
    let sign = if f < 0.0 { "-" } else { "" };
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        format!("{sign}{}", exponent_form(&digits, point - 1, 1))
    } else if abs == 0.0 {
        format!("{sign}0")
    } else {
        format!("{sign}{}", fixed_form(&digits, point))
    }
}

/// `json.Marshal(v)`: compact, keys sorted, HTML characters escaped.
pub(crate) fn json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, None, 0, &mut out);
    out
}

/// `json.MarshalIndent(v, "", indent)`.
pub(crate) fn json_indent(value: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_json(value, Some(indent), 0, &mut out);
    out
}

fn newline(indent: Option<&str>, depth: usize, out: &mut String) {
    if let Some(unit) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    }
}

fn write_json(value: &Value, indent: Option<&str>, depth: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(u)) => out.push_str(&u.to_string()),
            _ => out.push_str(&float_json(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write_json(item, indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write_json_string(key, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(&map[key], indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push('}');
        }
    }
}

/// A JSON string as Go's encoder escapes it (HTML-safe, U+2028/U+2029 escaped).
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What kubectl does to a value before writing it to a terminal: escape sequences and
/// carriage returns made visible.
pub(crate) fn escape_terminal(text: &str) -> String {
    if !text.contains(['\x1b', '\r']) {
        return text.to_owned();
    }
    text.replace('\x1b', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_like_go_v() {
        for (f, text) in [
            (0.75, "0.75"),
            (1.5, "1.5"),
            (100_000.0, "100000"),
            (123_456.0, "123456"),
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e21, "1e+21"),
            (3.0, "3"),
        ] {
            assert_eq!(float_g(f), text, "{f}");
        }
    }

    #[test]
    fn floats_like_go_json() {
        for (f, text) in [
            (0.75, "0.75"),
            (1e6, "1000000"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
        ] {
            assert_eq!(float_json(f), text, "{f}");
        }
    }

    #[test]
    fn sprint_and_json_of_structures() {
        let v = json!({"b": [1, "x", null], "a": {"z": true, "c": 0.5}});
        assert_eq!(sprint(&v), "map[a:map[c:0.5 z:true] b:[1 x <nil>]]");
        assert_eq!(json(&v), r#"{"a":{"c":0.5,"z":true},"b":[1,"x",null]}"#);
        assert_eq!(json(&json!("<a&b>")), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(
            json_indent(&json!(["x", {"k": []}]), "    "),
            "[\n    \"x\",\n    {\n        \"k\": []\n    }\n]"
        );
    }
}
