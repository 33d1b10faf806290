//! Addresses of the chat methods that are not URLs: a Telegram chat and a Matrix room. (Slack,
//! Teams, Discord and ntfy methods are URLs, checked as webhook URLs are: `WebhookUrl`.)

use super::Invalid;

/// A Telegram chat the deployment's bot posts to: a numeric chat id (`-1001234567890` for a
/// supergroup or channel, a positive id for a person or bot chat) or a public channel's or
/// supergroup's username (`@channel`: 5–32 letters, digits and underscores, starting with a
/// letter), as the Bot API's `chat_id` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramChat(String);

impl TelegramChat {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Invalid::Required);
        }
        let ok = match input.strip_prefix('@') {
            Some(name) => {
                (5..=32).contains(&name.len())
                    && name.starts_with(|c: char| c.is_ascii_alphabetic())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
            None => {
                let digits = input.strip_prefix('-').unwrap_or(input);
                !digits.is_empty()
                    && !digits.starts_with('0')
                    && digits.chars().all(|c| c.is_ascii_digit())
                    && input.parse::<i64>().is_ok()
            }
        };
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(Invalid::TelegramChat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Matrix room the deployment's bot account posts to, by its room id: `!` and an opaque part,
/// with the server name after a colon (`!abc:example.org`) in room versions before 12 and
/// without one since (`!` and a hash). A room alias (`#ops:example.org`) is not a room id: the
/// error says where to find the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRoom(String);

/// The Matrix specification's limit on identifiers.
const MATRIX_ID_MAX: usize = 255;

impl MatrixRoom {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Invalid::Required);
        }
        if input.len() > MATRIX_ID_MAX {
            return Err(Invalid::TooLong { max: MATRIX_ID_MAX });
        }
        let Some(rest) = input.strip_prefix('!') else {
            return Err(Invalid::MatrixRoom);
        };
        if !rest.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Invalid::MatrixRoom);
        }
        let (opaque, server) = match rest.split_once(':') {
            Some((opaque, server)) => (opaque, Some(server)),
            None => (rest, None),
        };
        if opaque.is_empty() || server.is_some_and(|s| !server_name(s)) {
            return Err(Invalid::MatrixRoom);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Matrix server name: a host (DNS name, IPv4 or bracketed IPv6) and an optional port.
fn server_name(input: &str) -> bool {
    let (host, port) = if input.starts_with('[') {
        match input.split_once(']') {
            Some((v6, rest)) => (&input[..=v6.len()], rest.strip_prefix(':')),
            None => return false,
        }
    } else {
        match input.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (input, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let host_ok = if host.starts_with('[') {
        url::Host::parse(host).is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 230
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_chats_are_ids_or_usernames() {
        for ok in ["-1001234567890", "123456789", " @ops_alerts ", "@Channel1"] {
            assert!(TelegramChat::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            TelegramChat::parse(" @ops_alerts ").map(|c| c.as_str().to_owned()),
            Ok("@ops_alerts".into())
        );
        for bad in [
            "@abc",
            "@1channel",
            "@with-dash",
            "-",
            "--1",
            "0123",
            "12a",
            "99999999999999999999",
            "https://t.me/channel",
            "@chan nel",
        ] {
            assert_eq!(
                TelegramChat::parse(bad),
                Err(Invalid::TelegramChat),
                "{bad}"
            );
        }
        assert_eq!(TelegramChat::parse("  "), Err(Invalid::Required));
    }

    #[test]
    fn matrix_rooms_are_room_ids() {
        for ok in [
            "!abc:example.org",
            "!OGEhHVWSdvArJzumhm:matrix.org",
            "!abc:example.org:8448",
            "!abc:[2001:db8::1]:8448",
            "!abc:1.2.3.4",
            "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM",
        ] {
            assert!(MatrixRoom::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "#ops:example.org",
            "@bot:example.org",
            "abc:example.org",
            "!:example.org",
            "!abc:",
            "!abc:exa mple.org",
            "!abc:example.org:99999",
            "!abc:[nonsense]",
            "!ab c",
        ] {
            assert_eq!(MatrixRoom::parse(bad), Err(Invalid::MatrixRoom), "{bad}");
        }
        let long = format!("!{}:example.org", "a".repeat(250));
        assert_eq!(
            MatrixRoom::parse(&long),
            Err(Invalid::TooLong { max: MATRIX_ID_MAX })
        );
    }
}
