//! Go's `time.ParseDuration`, for the flags kubectl parses with it
//! (`--since`): the same units (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), the
//! same range (an `int64` of nanoseconds) and the same error messages, so
//! that `99999y` or `5` fail here as they fail there (humantime would take
//! `1y` and `3days`).

/// The most nanoseconds a magnitude may reach before the sign is applied
/// (`-1<<63` is a valid duration, `1<<63` is not).
const LIMIT: u64 = 1 << 63;

/// Nanoseconds in `text`, or Go's error message (`time: unknown unit "y"
/// in duration "99999y"`).
pub(crate) fn parse(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(text));
    let mut s = text;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = leading_digits(s);
        let mut whole: u64 = 0;
        for c in s[..digits].bytes() {
            if whole > LIMIT / 10 {
                return Err(invalid());
            }
            whole = whole * 10 + u64::from(c - b'0');
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        let before_point = digits > 0;
        s = &s[digits..];
        // The fraction stops gaining precision where it would overflow,
        // without failing, as Go's `leadingFraction` does.
        let (mut fraction, mut scale, mut after_point) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            let digits = leading_digits(rest);
            let mut overflow = false;
            for c in rest[..digits].bytes() {
                if overflow || fraction > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                fraction = fraction * 10 + u64::from(c - b'0');
                scale *= 10.0;
            }
            after_point = digits > 0;
            s = &rest[digits..];
        }
        if !before_point && !after_point {
            return Err(invalid());
        }
        // Everything up to the next number is the unit; ASCII bounds it, so
        // the slice is on a character boundary.
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", quote(text)));
        }
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        let nanos: u64 = match unit {
            "ns" => 1,
            // Micro sign (U+00B5) and Greek mu (U+03BC), both accepted by Go.
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(unit),
                    quote(text)
                ));
            }
        };
        if whole > LIMIT / nanos {
            return Err(invalid());
        }
        let mut value = whole * nanos;
        if fraction > 0 {
            // Go computes this in float64 too, to be exact to the
            // nanosecond for fractions of an hour.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "Go's arithmetic, reproduced: the product is at most an hour of nanoseconds"
            )]
            let part = (fraction as f64 * (nanos as f64 / scale)) as u64;
            value += part;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        // `total` is at most 2^63, whose negation is i64::MIN.
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// Whole seconds in `nanos`, rounded half away from zero as Go's
/// `Duration.Round(time.Second)` rounds (and saturating as it does), for
/// `sinceSeconds`.
pub(crate) fn round_to_seconds(nanos: i64) -> i64 {
    const SECOND: i64 = 1_000_000_000;
    let seconds = nanos / SECOND;
    let rest = (nanos % SECOND).abs();
    let up = SECOND - rest;
    if rest * 2 < SECOND {
        seconds
    } else if nanos < 0 {
        // Go saturates at the most negative duration, whose seconds are
        // truncated like these.
        nanos.checked_sub(up).map_or(seconds, |_| seconds - 1)
    } else {
        nanos.checked_add(up).map_or(seconds, |_| seconds + 1)
    }
}

fn leading_digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// Go's `time.quote`: in double quotes, with `"` and `\` escaped and every
/// byte of a control or non-ASCII character as `\xNN`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii() && c >= ' ' {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    }
    out.push('"');
    out
}

/// Go's `%q` (`strconv.Quote`), as pflag quotes a flag's value in its errors:
/// printable characters as they are, the rest escaped.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if u32::from(c) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn parses_what_go_parses() {
        for (text, nanos) in [
            ("0", 0),
            ("-0", 0),
            ("0s", 0),
            ("5s", 5 * S),
            ("+5s", 5 * S),
            ("-5s", -5 * S),
            ("1h30m", 5400 * S),
            ("1.5h", 5400 * S),
            ("5.s", 5 * S),
            (".5s", S / 2),
            ("500ms", S / 2),
            ("1us", 1_000),
            ("1µs", 1_000),
            ("1μs", 1_000),
            ("7ns", 7),
            ("1h1m1s1ms1us1ns", 3_661_001_001_001),
            ("2562047h", 2_562_047 * 3600 * S),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("0.000000001s", 1),
            ("1.00000000000000000000001s", S),
        ] {
            assert_eq!(parse(text), Ok(nanos), "{text}");
        }
    }

    #[test]
    fn fails_in_gos_words() {
        for (text, message) in [
            ("99999y", "time: unknown unit \"y\" in duration \"99999y\""),
            ("3days", "time: unknown unit \"days\" in duration \"3days\""),
            ("1e3s", "time: unknown unit \"e\" in duration \"1e3s\""),
            ("5", "time: missing unit in duration \"5\""),
            ("1h1", "time: missing unit in duration \"1h1\""),
            ("", "time: invalid duration \"\""),
            ("-", "time: invalid duration \"-\""),
            (".s", "time: invalid duration \".s\""),
            ("s", "time: invalid duration \"s\""),
            (" 5s", "time: invalid duration \" 5s\""),
            ("2562048h", "time: invalid duration \"2562048h\""),
            (
                "9223372036854775808ns",
                "time: invalid duration \"9223372036854775808ns\"",
            ),
            (
                "5\u{e9}",
                "time: unknown unit \"\\xc3\\xa9\" in duration \"5\\xc3\\xa9\"",
            ),
        ] {
            assert_eq!(parse(text), Err(message.to_owned()), "{text:?}");
        }
    }

    #[test]
    fn rounds_to_seconds_as_go_does() {
        assert_eq!(round_to_seconds(0), 0);
        assert_eq!(round_to_seconds(1_000), 0);
        assert_eq!(round_to_seconds(S / 2), 1);
        assert_eq!(round_to_seconds(S / 2 - 1), 0);
        assert_eq!(round_to_seconds(3 * S / 2), 2);
        assert_eq!(round_to_seconds(-3 * S / 2), -2);
        assert_eq!(round_to_seconds(i64::MAX), 9_223_372_036);
    }

    #[test]
    fn quotes_as_pflag_does() {
        assert_eq!(go_quote("99y"), "\"99y\"");
        assert_eq!(go_quote("a\"b\\\n\u{1}µ"), "\"a\\\"b\\\\\\n\\x01µ\"");
    }
}
