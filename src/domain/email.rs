use super::Invalid;

/// An email address by the WHATWG "valid e-mail address" rule, extended to internationalised
/// addresses: a UTF-8 local part is kept as typed; the domain is lower-cased and an IDN domain
/// turned to punycode. Whitespace, control characters and anything else that could break a
/// mail header are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// RFC 5321 limits: a path of 254 characters, a local part of 64.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim_matches(' ');
        let (local, domain) = input.rsplit_once('@').ok_or(Invalid::Email)?;
        if local.is_empty()
            || local.chars().count() > MAX_LOCAL_LEN
            || !local.chars().all(is_local_char)
        {
            return Err(Invalid::Email);
        }
        // Refuse before IDNA, which would map some odd characters instead of refusing them.
        if domain.is_empty() || domain.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Invalid::Email);
        }
        let ascii = idna::domain_to_ascii(domain).map_err(|_| Invalid::Email)?;
        if !ascii.split('.').all(is_domain_label) {
            return Err(Invalid::Email);
        }
        let address = format!("{local}@{ascii}");
        if address.chars().count() > MAX_LEN {
            return Err(Invalid::Email);
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form unique keys and login compare: the whole address lower-cased.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// WHATWG's local-part characters, plus any non-ASCII character that is not a control,
/// format or whitespace character.
fn is_local_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c)
    } else {
        !c.is_control()
            && !c.is_whitespace()
            && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
    }
}

/// `[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?`
fn is_domain_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<String, Invalid> {
        EmailAddress::parse(s).map(|e| e.0)
    }

    #[test]
    fn the_domain_is_lower_cased_and_the_local_part_kept() {
        assert_eq!(parse("Ana@Ejemplo.ES"), Ok("Ana@ejemplo.es".into()));
        assert_eq!(
            parse("ops+alerts@example.com"),
            Ok("ops+alerts@example.com".into())
        );
        assert_eq!(parse("root@localhost"), Ok("root@localhost".into()));
    }

    #[test]
    fn idn_domains_become_punycode() {
        assert_eq!(
            parse("josé@bücher.example"),
            Ok("josé@xn--bcher-kva.example".into())
        );
        assert_eq!(
            parse("用户@例子.测试"),
            Ok("用户@xn--fsqu00a.xn--0zwm56d".into())
        );
    }

    #[test]
    fn header_breaking_and_malformed_input_is_refused() {
        for bad in [
            "a@b.c\r\nBcc: x@y.z",
            "a@b.c\nBcc: x@y.z",
            "a\r\n@b.c",
            "a b@c.d",
            "a@b c.d",
            "a@b.c,d@e.f",
            "<a@b.c>",
            "\"quoted\"@b.c",
            "a@b..c",
            "a@-b.c",
            "a@b-.c",
            "a@",
            "@b.c",
            "a",
            "",
            "a@b.c\u{0}",
            "a\u{202e}@b.c",
        ] {
            assert_eq!(parse(bad), Err(Invalid::Email), "{bad:?}");
        }
        let long_local = format!("{}@b.c", "a".repeat(65));
        assert_eq!(parse(&long_local), Err(Invalid::Email));
    }
}
