//! User and group resolution from /etc/passwd and /etc/group.
//!
//! Static glibc cannot load NSS plugins, so `getpwnam` is unreliable in our
//! binaries; the local databases are what Kolla hosts use for service users.

use crate::AtomicError;
use std::path::Path;

fn lookup(db: &Path, kind: &str, name: &str) -> Result<u32, AtomicError> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return name
            .parse()
            .map_err(|_| AtomicError::Account(format!("{kind} id {name} is out of range")));
    }
    let text = std::fs::read_to_string(db)
        .map_err(|e| AtomicError::Account(format!("cannot read {}: {e}", db.display())))?;
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name))
                .then(|| f.nth(1).and_then(|id| id.parse().ok()))
                .flatten()
        })
        .ok_or_else(|| {
            AtomicError::Account(format!(
                "{kind} '{name}' does not exist in {}",
                db.display()
            ))
        })
}

/// A user name (or numeric id) to its uid.
pub fn resolve_user(name: &str) -> Result<u32, AtomicError> {
    lookup(Path::new("/etc/passwd"), "user", name)
}

/// A user's login group (the fourth field of its /etc/passwd line), if the user is listed there.
pub fn primary_group(user: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == user)
            .then(|| f[3].parse().ok())
            .flatten()
    })
}

/// A group name (or numeric id) to its gid.
pub fn resolve_group(name: &str) -> Result<u32, AtomicError> {
    lookup(Path::new("/etc/group"), "group", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_numbers() {
        assert_eq!(resolve_user("root").unwrap(), 0);
        assert_eq!(resolve_group("root").unwrap(), 0);
        assert_eq!(resolve_user("1234").unwrap(), 1234);
        assert_eq!(primary_group("root"), Some(0));
        assert_eq!(primary_group("no-such-user-kolla"), None);
        assert!(resolve_user("no-such-user-kolla")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
    }
}
