//! Validated field types ("parse, don't validate"): each constructor is the only place
//! its rule lives, so the server and the client check input the same way. The error of
//! each constructor is the `msg` of the server's 422 entry for that field.

use std::fmt;

/// 3–32 ASCII letters, digits, `_`, `.`, `-`. Unique case-insensitively (checked by the server).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;
    /// The rule as a regular expression, for the OpenAPI document.
    pub const PATTERN: &'static str = "^[A-Za-z0-9_.-]{3,32}$";
    pub const MSG: &'static str =
        "username must be 3 to 32 characters: ASCII letters, digits, '_', '.' or '-'";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let ok = (Self::MIN..=Self::MAX).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Self::MSG)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, lower-cased. The check is deliberately plain, and ASCII only (an
/// international domain is written in its `xn--` form): a local part of 1–64 visible
/// characters other than `@` that neither starts nor ends with `.`, one `@`, a domain of at
/// least two dot-separated labels of 1–63 letters, digits or `-` (not at either end of a
/// label), at most 254 characters in all. Spaces anywhere make it invalid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;
    /// The rule as a regular expression, for the OpenAPI document (with [`Email::MAX`]).
    pub const PATTERN: &'static str = concat!(
        r"^[!-\-/-?A-~](?:[!-?A-~]{0,62}[!-\-/-?A-~])?",
        r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
    );
    pub const MSG: &'static str = "value is not a valid email address";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let visible = |b: u8| b.is_ascii_graphic() && b != b'@';
        if s.len() > Self::MAX {
            return Err(Self::MSG);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(Self::MSG);
        };
        let local_ok = (1..=64).contains(&local.len())
            && local.bytes().all(visible)
            && !local.starts_with('.')
            && !local.ends_with('.');
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !local_ok || !domain.contains('.') || !domain.split('.').all(label_ok) {
            return Err(Self::MSG);
        }
        Ok(Self(s.to_ascii_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// 8–128 characters. Never printed: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;
    pub const MSG: &'static str = "password must be 8 to 128 characters";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if (Self::MIN..=Self::MAX).contains(&s.chars().count()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Self::MSG)
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A menu flavor: 1–64 Unicode characters, no control characters, not only white space.
/// Leading and trailing white space is removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flavor(String);

impl Flavor {
    pub const MAX: usize = 64;
    /// The rule as a regular expression, for the OpenAPI document (with the length).
    pub const PATTERN: &'static str =
        r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
    pub const MSG: &'static str = "flavor must be 1 to 64 characters with no control characters";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let n = s.chars().count();
        let trimmed = s.trim();
        if (1..=Self::MAX).contains(&n) && !trimmed.is_empty() && !s.chars().any(char::is_control) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(Self::MSG)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The quantity of an order line: 1–99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i64);

impl Quantity {
    pub const MAX: i64 = 99;
    pub const MSG: &'static str = "Quantity must be between 1 and 99";

    pub fn parse(n: i64) -> Result<Self, &'static str> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(Self::MSG)
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A menu price in cents: 1–1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PriceCents(i64);

impl PriceCents {
    pub const MAX: i64 = 1_000_000;
    pub const MSG: &'static str = "price_cents must be between 1 and 1000000";

    pub fn parse(n: i64) -> Result<Self, &'static str> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(Self::MSG)
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Formats cents as `12.50` (no currency sign).
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("ana").is_ok());
        assert!(Username::parse("a.b-c_d9").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("ana maria").is_err());
        assert!(Username::parse("joão").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Ana@Example.COM").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "a@x..com",
            "a@@x.com",
            " ana@x.com",
            "ana@x.com ",
            ".ana@x.com",
            "ana.@x.com",
            "ana@-x.com",
            "ana@x_y.com",
            "joão@x.com",
            "ana@exémple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_count_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-pw").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn flavors_quantities_prices() {
        assert_eq!(
            Flavor::parse("  Margherita ").unwrap().as_str(),
            "Margherita"
        );
        assert!(Flavor::parse("").is_err());
        assert!(Flavor::parse("   ").is_err());
        assert!(Flavor::parse(&format!(" {}", "a".repeat(64))).is_err());
        assert!(Flavor::parse("a\nb").is_err());
        assert!(Flavor::parse(&"ç".repeat(64)).is_ok());
        assert!(Quantity::parse(0).is_err());
        assert!(Quantity::parse(99).is_ok());
        assert!(Quantity::parse(100).is_err());
        assert!(PriceCents::parse(0).is_err());
        assert!(PriceCents::parse(1_000_000).is_ok());
    }

    #[test]
    fn money() {
        assert_eq!(format_cents(1250), "12.50");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(0), "0.00");
    }
}
