"""Nested options (`options` of a dict option, or of a list option's dict
elements) as ansible-core 2.19's AnsibleModule validates them: every case of
modules/ansible_module/tests/nested_options.json, whose expectations the
crate's own test (modules/ansible_module/tests/nested_options.rs) checks
ours against, is run here through a real AnsibleModule with the same spec and
arguments, so the file cannot drift from what ansible-core says."""
import json
import re
import subprocess

import pytest

from conftest import PYTHON, ROOT

CASES = ROOT / "modules" / "ansible_module" / "tests" / "nested_options.json"

# One interpreter for every case: each builds an AnsibleModule from a fresh
# arguments file, with the warning registry emptied, as a new process would.
DRIVER = r"""
import contextlib, io, json, sys
import ansible.module_utils.basic as basic
from ansible.module_utils.common import warnings as registry
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if")

def canonical(spec, params):
    # Canonical names only: AnsibleModule keeps alias keys in its params too.
    out = {}
    for name, opts in spec.items():
        value = params.get(name)
        sub = opts.get("options")
        if sub is not None and isinstance(value, dict):
            value = canonical(sub, value)
        elif sub is not None and isinstance(value, list):
            value = [canonical(sub, v) if isinstance(v, dict) else v for v in value]
        out[name] = value
    return out

def run(spec, args, path):
    argspec = spec["argument_spec"]
    rules = {k: spec[k] for k in RULES if k in spec}
    with open(path, "w") as f:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_module_name="demo")}, f)
    basic._ANSIBLE_ARGS = None
    registry._global_warnings.clear()
    registry._global_deprecations.clear()
    sys.argv = ["demo", path]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            module = basic.AnsibleModule(argument_spec=argspec, **rules)
            module.exit_json(params=canonical(argspec, module.params))
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    # Every error, as AnsibleModule would word the first, secrets hidden as in its result.
    validation = ArgumentSpecValidator(argspec, **rules).validate(args)
    result["errors"] = basic.remove_values(
        [("Unsupported parameters for (demo) module: " if isinstance(e, UnsupportedError) else "") + e.args[0]
         for e in validation.errors],
        validation._no_log_values)
    return result

cases, path = json.load(open(sys.argv[1])), sys.argv[2]
print(json.dumps([run(cases["specs"][c["spec"]], c["args"], path) for c in cases["cases"]]))
"""


def same_booleans(text):
    """ansible-core prints its set of booleans in an order that varies per run: compare them as a set."""
    return re.sub(r"Valid booleans include: (.*)$",
                  lambda m: "Valid booleans include: " + ", ".join(sorted(m.group(1).split(", "))), text)


@pytest.fixture(scope="module")
def ansible_core(tmp_path_factory):
    """AnsibleModule's result on each case, in the file's order."""
    tmp = tmp_path_factory.mktemp("nested")
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)
    proc = subprocess.run([str(PYTHON), str(driver), str(CASES), str(tmp / "args.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


CASE_LIST = json.loads(CASES.read_text())["cases"]


@pytest.mark.parametrize("index", range(len(CASE_LIST)), ids=[c["name"] for c in CASE_LIST])
def test_ansible_core_says_what_the_case_file_expects(index, ansible_core):
    case, theirs = CASE_LIST[index], ansible_core[index]
    expect = case["expect"]
    assert theirs["warnings"] == expect.get("warnings", []), theirs
    if "params" in expect:
        assert not theirs.get("failed"), theirs
        assert theirs["params"] == expect["params"]
        assert theirs["errors"] == []
        return
    assert theirs["failed"] is True, theirs
    said = [same_booleans(m) for m in [theirs["msg"], *theirs["errors"]]]
    wanted = [same_booleans(m) for m in [expect["msg"], *expect["errors"]]]
    if "python_may_say" in expect and said[0] != wanted[0]:
        # Unknown keys of two levels: ansible-core lists either level's options.
        wanted = [expect["python_may_say"]] * len(said)
    assert said == wanted


def test_the_cases_cover_every_rule_inside_options():
    """Each rule ansible-core applies inside sub-options has a case that breaks it there."""
    messages = " | ".join(c["expect"].get("msg", "") for c in CASE_LIST)
    for fragment in ("Unsupported parameters for (demo) module: args.foo.",
                     "module: items.extra.", "module: auth.inner.zz.",
                     "found in 'auth'. and we were unable to convert to int",
                     "Elements value for option 'tags' found in 'auth'",
                     "missing required arguments: user found in auth",
                     "found in auth -> inner",
                     "got: x found in auth",
                     "parameters are mutually exclusive: token|login found in auth",
                     "parameters are required together: port, tags found in auth",
                     "one of the following is required: x, y found in extra",
                     "kind is a but all of the following are missing: label found in items",
                     "must be a list, not 'int'",
                     "dictionary requested, could not parse JSON or key=value",
                     "'********'"):
        assert fragment in messages, fragment
    warnings = [w for c in CASE_LIST for w in c["expect"].get("warnings", [])]
    assert "Both option items[1].name and its alias items[1].n are set." in warnings
