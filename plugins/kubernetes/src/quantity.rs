//! Kubernetes resource quantities (`250m`, `128Mi`, `4`): parsed exactly
//! (milli-units in an i128) and printed in their canonical form, as
//! `kubectl describe node` sums and prints requests and limits.

/// A quantity in thousandths of its unit, with the notation it prints in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Quantity {
    /// Value × 1000 (so `250m` is 250 and `1Ki` is 1,024,000).
    pub(crate) milli: i128,
    /// Whether it prints with binary suffixes (`Ki`, `Mi`...).
    pub(crate) binary: bool,
}

impl Quantity {
    /// Parses `text`; `None` for something that is not a quantity.
    pub(crate) fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(end);
        let (binary, factor): (bool, i128) = match suffix {
            "" => (false, 1000),
            "m" => (false, 1),
            "k" => (false, 1000 * 1000),
            "M" => (false, 1000 * 1_000_000),
            "G" => (false, 1000 * 1_000_000_000),
            "T" => (false, 1000 * 1_000_000_000_000),
            "P" => (false, 1000 * 1_000_000_000_000_000),
            "E" => (false, 1000 * 1_000_000_000_000_000_000),
            "Ki" => (true, 1000 << 10),
            "Mi" => (true, 1000 << 20),
            "Gi" => (true, 1000 << 30),
            "Ti" => (true, 1000 << 40),
            "Pi" => (true, 1000 << 50),
            "Ei" => (true, 1000 << 60),
            _ => return None,
        };
        let negative = number.starts_with('-');
        let digits = number.trim_start_matches(['+', '-']);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty() {
            return None;
        }
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut milli = whole.checked_mul(factor)?;
        // A fraction is rounded up to the next milli-unit, as Kubernetes rounds.
        let mut scale: i128 = 1;
        let mut frac_value: i128 = 0;
        for d in frac.chars().take(30) {
            frac_value = frac_value * 10 + i128::from(d.to_digit(10)?);
            scale *= 10;
        }
        if frac_value > 0 {
            milli += (frac_value * factor + scale - 1) / scale;
        }
        Some(Quantity {
            milli: if negative { -milli } else { milli },
            binary,
        })
    }

    /// The sum, printed in the notation of `self` (or of `other` if `self` is zero-valued default).
    pub(crate) fn add(self, other: Quantity) -> Quantity {
        let binary = if self == Quantity::default() {
            other.binary
        } else {
            self.binary
        };
        Quantity {
            milli: self.milli + other.milli,
            binary,
        }
    }

    /// The whole value, rounded up (what Go's `Quantity.Value()` returns).
    pub(crate) fn value(self) -> i128 {
        (self.milli + 999).div_euclid(1000)
    }

    /// The canonical text (`350m`, `2`, `384Mi`, `1k`, `0`).
    pub(crate) fn canonical(self) -> String {
        if self.milli == 0 {
            return "0".to_owned();
        }
        if self.milli % 1000 != 0 {
            return format!("{}m", self.milli);
        }
        let mut v = self.milli / 1000;
        if self.binary && v.abs() >= 1024 {
            let mut i = 0;
            while v % 1024 == 0 && i < 6 {
                v /= 1024;
                i += 1;
            }
            if i > 0 {
                return format!("{v}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][i]);
            }
            return v.to_string();
        }
        let mut i = 0;
        while v % 1000 == 0 && i < 6 {
            v /= 1000;
            i += 1;
        }
        format!("{v}{}", ["", "k", "M", "G", "T", "P", "E"][i])
    }
}

/// `part` as a whole percentage of `total` (truncated, as kubectl's `int64(fraction)`).
pub(crate) fn percent(part: i128, total: i128) -> i64 {
    if total == 0 {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let p = (part as f64 / total as f64 * 100.0) as i64;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(q("250m").milli, 250);
        assert_eq!(q("4").milli, 4000);
        assert_eq!(q("1.5").milli, 1500);
        assert_eq!(q("128Mi").value(), 128 << 20);
        assert_eq!(q("250m").add(q("100m")).canonical(), "350m");
        assert_eq!(q("256Mi").add(q("128Mi")).canonical(), "384Mi");
        assert_eq!(q("500m").add(q("1500m")).canonical(), "2");
        assert_eq!(q("94580335255").canonical(), "94580335255");
        assert_eq!(q("1000").canonical(), "1k");
        assert_eq!(Quantity::default().canonical(), "0");
        assert!(Quantity::parse("lots").is_none());
        assert_eq!(percent(q("350m").milli, q("3800m").milli), 9);
    }
}
