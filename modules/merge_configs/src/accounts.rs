//! uid/gid to names for results, from /etc/passwd and /etc/group (static
//! binaries cannot use NSS); numbers stand in when there is no entry.

fn name_of(db: &str, id: u32) -> String {
    let want = id.to_string();
    std::fs::read_to_string(db)
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == want).then(|| name.to_string())
            })
        })
        .unwrap_or(want)
}

/// The user name of a uid.
pub fn user_name(uid: u32) -> String {
    name_of("/etc/passwd", uid)
}

/// The group name of a gid.
pub fn group_name(gid: u32) -> String {
    name_of("/etc/group", gid)
}
