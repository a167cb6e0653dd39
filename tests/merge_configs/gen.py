"""Seeded generator of INI sources that exercise oslo.config's parsing rules and
kolla-ansible's merging: repeated keys within and across sources, continuation
lines, comments, quotes, empty values, orphan keys, unicode and Python-only
whitespace, tabs, CR line ends, and (rarely) malformed lines."""
import random

# Python's str.strip() strips these; Rust's trim() does not strip \x1c-\x1f.
ODD_SPACE = ["\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000", "\u2028"]
SECTIONS = ["DEFAULT", "database", "keystone_authtoken", "oslo_messaging_rabbit",
            "séction", "a b", " padded ", "x:y", "k=v", "[nested]", "TEMPORARY_ORPHAN_VARIABLE_SECTION"]
KEYS = ["debug", "host", "transport_url", "connection", "clé", "ключ", "中文", "a", "long_key_name_here",
        "x.y", "with space", "\x0c[bracket"]
WORDS = ["true", "false", "1", "rabbit://u:p@h:5672//", "mysql+pymysql://n:p@db/nova", "a=b", "c:d",
         "# not a comment", "; nor this", "é", "値", "x y  z", "'", '"', "''", '""', "'q'", '"q"',
         "'mis\"", "\"end'", "  inner  ", "tab\there"]


def value(r):
    roll = r.random()
    if roll < 0.12:
        return ""
    if roll < 0.2:
        return r.choice(ODD_SPACE) + r.choice(WORDS)
    return " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))


def pad(r):
    return r.choice(["", "", " ", "  ", "\t", " \t"])


def tail(r):
    return r.choice(["", "", "", " ", "\t", "\r", r.choice(ODD_SPACE), "  \r"])


def key_line(r):
    key = r.choice(KEYS) if r.random() < 0.85 else r.choice(ODD_SPACE) + r.choice(KEYS)
    sep = r.choice(["=", "=", ":", " = ", " : ", "\t=\t", "= ", " ="])
    return key + sep + value(r) + tail(r)


def continuation(r):
    return r.choice([" ", "  ", "\t", "    ", " \t"]) + r.choice(WORDS) + tail(r)


def bad_line(r):
    return r.choice([
        "no separator here",
        "[unterminated",
        "[]",
        "= value without key",
        " : also no key",
        "\tcontinuation without assignment",
    ])


def source(r, bad=False):
    lines = []
    if r.random() < 0.35:  # orphan keys before any section
        for _ in range(r.randint(1, 3)):
            lines.append(key_line(r))
    for _ in range(r.randint(0, 4)):
        lines.append("[" + r.choice(SECTIONS) + "]" + tail(r))
        for _ in range(r.randint(0, 6)):
            roll = r.random()
            if roll < 0.55:
                lines.append(key_line(r))
                while r.random() < 0.25:
                    lines.append(continuation(r))
            elif roll < 0.7:
                lines.append(r.choice(["#", ";"]) + pad(r) + r.choice(WORDS))
            elif roll < 0.85:
                lines.append(r.choice(["", "", " ", "\t", r.choice(ODD_SPACE)]))
            else:
                # A repeated key: a multi-valued option within one source.
                lines.append(lines[-1] if lines and "=" in lines[-1] else key_line(r))
    if bad:
        lines.insert(r.randint(0, len(lines)), bad_line(r))
    text = "\n".join(lines)
    if r.random() < 0.8:
        text += "\n"
    return text


def case(seed):
    """(sources, whitespace) for one reproducible case."""
    r = random.Random(seed)
    n = r.randint(1, 4)
    bad_at = r.randrange(n) if r.random() < 0.04 else None
    return [source(r, bad=(i == bad_at)) for i in range(n)], r.random() < 0.75
