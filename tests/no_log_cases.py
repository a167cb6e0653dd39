"""The no_log options of every module binary, as its documentation
(plugins/modules/<name>.yml) declares them, and the check that a result hides
a secret as ansible-core's `remove_values` does: values only, keys and
structure untouched."""
import yaml

from conftest import MODULES

# Short and JSON-looking secrets. Scrubbing the serialised text once turned
# `{"failed": true}` into `{"f********iled": true}` for "a", so Ansible saw no failure.
SHORT_SECRETS = ["a", "true", "0", "{", '"', "\\"]
LONG_SECRET = "kolla-rust-s3cret-value"


# Ansible's documentation schema has no `no_log` key, so a secret option's
# description carries this marker; each module's sidecar-doc test asserts the
# marker stands exactly on the options its argument spec marks no_log.
SECRET_MARKER = "(no_log)"


def no_log_options_of(name):
    """The options plugins/modules/<name>.yml documents as secrets."""
    doc = yaml.safe_load((MODULES / f"{name}.yml").read_text())["DOCUMENTATION"]
    return sorted(o for o, spec in (doc.get("options") or {}).items()
                  if SECRET_MARKER in " ".join(spec.get("description") or []))


def documented_no_log_options():
    """{module: sorted option names} for every module binary with a documented no_log option."""
    found = {}
    for doc in sorted(MODULES.glob("*.yml")):
        if (MODULES / doc.stem).exists() and (names := no_log_options_of(doc.stem)):
            found[doc.stem] = names
    return found


def leaks(value, secret):
    """Where `secret` survives as (part of) a value: strings, and numbers through
    their text as ansible-core compares them; booleans and nulls never count."""
    if isinstance(value, dict):
        return [f"{k}.{p}" for k, v in value.items() for p in leaks(v, secret)]
    if isinstance(value, list):
        return [f"[{i}].{p}" for i, v in enumerate(value) for p in leaks(v, secret)]
    if isinstance(value, bool) or value is None:
        return []
    return [repr(value)] if secret in str(value) else []


def assert_hidden(out, secret, keys):
    """`out` is a failed result with exactly the top-level `keys` and no trace of `secret`."""
    assert out.get("failed") is True, out
    assert isinstance(out.get("changed"), bool), out
    assert set(out) == set(keys), (secret, sorted(out), sorted(keys))
    assert not leaks(out, secret), (secret, leaks(out, secret), out)
