//! Users and groups from /etc/passwd and /etc/group, both ways: names (or
//! numeric ids) to ids for the attributes to set, ids to names for results.
//!
//! Static glibc cannot load NSS plugins, so `getpwnam` is unreliable in our
//! binaries; the local databases are what Kolla hosts use for service users.

use crate::AtomicError;

const PASSWD: &str = "/etc/passwd";
const GROUP: &str = "/etc/group";

/// The colon-separated fields of each entry of a passwd-style database
/// (`name:password:id:...`); comment and blank lines are not entries.
fn entries(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').collect())
}

fn lookup(db: &str, kind: &str, name: &str) -> Result<u32, AtomicError> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return name
            .parse()
            .map_err(|_| AtomicError::Account(format!("{kind} id {name} is out of range")));
    }
    let text = std::fs::read_to_string(db)
        .map_err(|e| AtomicError::Account(format!("cannot read {db}: {e}")))?;
    let id = entries(&text)
        .find(|f| f[0] == name)
        .and_then(|f| f.get(2)?.parse().ok());
    id.ok_or_else(|| AtomicError::Account(format!("{kind} '{name}' does not exist in {db}")))
}

/// The name an id has in `db`, or the number itself when it has no entry
/// (as `ls -n` would show it).
fn name_of(db: &str, id: u32) -> String {
    let want = id.to_string();
    std::fs::read_to_string(db)
        .ok()
        .and_then(|text| {
            entries(&text)
                .find(|f| f.get(2) == Some(&want.as_str()))
                .map(|f| f[0].to_string())
        })
        .unwrap_or(want)
}

/// A user name (or numeric id) to its uid.
pub fn resolve_user(name: &str) -> Result<u32, AtomicError> {
    lookup(PASSWD, "user", name)
}

/// A group name (or numeric id) to its gid.
pub fn resolve_group(name: &str) -> Result<u32, AtomicError> {
    lookup(GROUP, "group", name)
}

/// A user's login group (the fourth field of its /etc/passwd line), if the user is listed there.
pub fn primary_group(user: &str) -> Option<u32> {
    let text = std::fs::read_to_string(PASSWD).ok()?;
    let found = entries(&text).find(|f| f[0] == user)?;
    found.get(3)?.parse().ok()
}

/// The user name of a uid, or the uid as text when /etc/passwd does not list it.
pub fn user_name(uid: u32) -> String {
    name_of(PASSWD, uid)
}

/// The group name of a gid, or the gid as text when /etc/group does not list it.
pub fn group_name(gid: u32) -> String {
    name_of(GROUP, gid)
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

    #[test]
    fn ids_to_names() {
        assert_eq!(user_name(0), "root");
        assert_eq!(group_name(0), "root");
        assert_eq!(user_name(4_000_000_001), "4000000001");
    }

    #[test]
    fn comments_and_short_lines_are_not_entries() {
        let text = "# root:x:7:7\n\nshort\nsvc:x:42:43:::\n";
        let names: Vec<_> = entries(text).map(|f| f[0]).collect();
        assert_eq!(names, ["short", "svc"]);
        assert_eq!(
            entries(text).nth(1).and_then(|f| f.get(3).copied()),
            Some("43")
        );
        assert!(entries(text).next().unwrap().get(2).is_none());
    }
}
