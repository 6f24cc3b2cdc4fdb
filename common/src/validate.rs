//! Validated field types ("parse, don't validate"): each constructor is the only place
//! its rule lives, so the server and the client check input the same way. The error of
//! each constructor is the `msg` of the server's 422 entry for that field.

use std::fmt;

/// 3–32 ASCII letters, digits, `_`, `.`, `-`. Unique case-insensitively (checked by the server).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const MSG: &'static str =
        "username must be 3 to 32 characters: ASCII letters, digits, '_', '.' or '-'";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let ok = (3..=32).contains(&s.len())
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

/// An email address, lower-cased. The check is deliberately plain: one `@`, a non-empty
/// local part, a domain of dot-separated labels with at least one dot, no spaces, at most
/// 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MSG: &'static str = "value is not a valid email address";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Self::MSG);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(Self::MSG);
        };
        let labels_ok = domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if local.is_empty() || local.len() > 64 || !domain.contains('.') || !labels_ok {
            return Err(Self::MSG);
        }
        if local.contains('@') || local.starts_with('.') || local.ends_with('.') {
            return Err(Self::MSG);
        }
        Ok(Self(s.to_lowercase()))
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
    pub const MSG: &'static str = "password must be 8 to 128 characters";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if (8..=128).contains(&s.chars().count()) {
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

/// A menu flavor: 1–64 Unicode characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flavor(String);

impl Flavor {
    pub const MSG: &'static str = "flavor must be 1 to 64 characters with no control characters";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        let n = s.chars().count();
        if (1..=64).contains(&n) && !s.chars().any(char::is_control) {
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
