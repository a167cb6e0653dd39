//! Owners and modes as set_configs reads them from config.json.

use crate::error::Error;

/// `user`, `user:` or `user:group` to ids. As in Kolla, a missing group is
/// the group named like the user; when the image has no such group, the
/// user's login group (where Kolla would stop with a KeyError).
pub fn owner(text: &str) -> Result<(u32, u32), Error> {
    let fail = |source| Error::Owner {
        owner: text.to_string(),
        source,
    };
    let (user, group) = match text.split_once(':') {
        Some((u, g)) if !g.is_empty() => (u, Some(g)),
        Some((u, _)) => (u, None),
        None => (text, None),
    };
    let uid = hostfs::resolve_user(user).map_err(fail)?;
    let gid = match group {
        Some(g) => hostfs::resolve_group(g).map_err(fail)?,
        None => match hostfs::resolve_group(user) {
            Ok(gid) => gid,
            Err(e) => hostfs::primary_group(user).ok_or_else(|| fail(e))?,
        },
    };
    Ok((uid, gid))
}

/// An octal permission string: "0640", "640", "0o640", "1777" (Kolla 2026.2's
/// notation; 2026.1 read three digits as decimal and failed on four not starting with 0).
pub fn mode(text: &str) -> Result<u32, Error> {
    hostfs::parse_mode_text(text).ok_or_else(|| Error::BadMode(text.to_string()))
}

/// A directory's mode: each class that may read it may also enter it, as
/// Kolla gives directories (a "0600" tree must stay traversable).
pub fn dir_mode(mode: u32) -> u32 {
    let mut m = mode;
    for (read, exec) in [(0o400, 0o100), (0o040, 0o010), (0o004, 0o001)] {
        if m & read != 0 {
            m |= exec;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode("0600").unwrap(), 0o600);
        assert_eq!(mode("755").unwrap(), 0o755);
        assert_eq!(mode("0o640").unwrap(), 0o640);
        assert_eq!(mode("1777").unwrap(), 0o1777);
        for bad in ["0999", "17777", "rw", ""] {
            assert!(mode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn directories_stay_traversable() {
        assert_eq!(dir_mode(0o600), 0o700);
        assert_eq!(dir_mode(0o640), 0o750);
        assert_eq!(dir_mode(0o644), 0o755);
        assert_eq!(dir_mode(0o200), 0o200);
        assert_eq!(dir_mode(0o1604), 0o1705);
    }

    #[test]
    fn owners() {
        assert_eq!(owner("root:root").unwrap(), (0, 0));
        assert_eq!(owner("root").unwrap(), (0, 0));
        assert_eq!(owner("root:").unwrap(), (0, 0));
        assert_eq!(owner("0:0").unwrap(), (0, 0));
        let err = owner("no-such-user-ksc").unwrap_err().to_string();
        assert!(err.contains("no-such-user-ksc"), "{err}");
        assert!(owner("root:no-such-group-ksc").is_err());
    }
}
