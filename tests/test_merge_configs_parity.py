"""Byte-for-byte parity of our merge_configs binary with kolla-ansible 22.2.0's
merge_configs (oslo.config's iniparser plus the reference's own writer), on
thousands of generated, seeded cases.

The reference classes are imported from the unpacked kolla-ansible tree and run
in this process; ours is the built binary, run once per case with the texts as
the action plugin sends them."""
import importlib.util
import io
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REF_22, run_binary

sys.path.insert(0, str(Path(__file__).parent / "merge_configs"))
import gen  # noqa: E402

CASES = int(os.environ.get("MERGE_CONFIGS_CASES", "3000"))
SEED = int(os.environ.get("MERGE_CONFIGS_SEED", "20261124"))


def load_reference():
    spec = importlib.util.spec_from_file_location(
        "ref_merge_configs", REF_22 / "action_plugins" / "merge_configs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REF = load_reference()


class Rejected(Exception):
    """oslo.config rejected source `index` at `line` (counted within that source)."""

    def __init__(self, index, line):
        super().__init__(index, line)
        self.index, self.line = index, line


def reference_output(sources, whitespace):
    """The reference's bytes; raises Rejected when oslo.config rejects a source."""
    from oslo_config import iniparser
    parser = REF.OverrideConfigParser(whitespace=whitespace)
    for index, text in enumerate(sources):
        try:
            parser.parse(io.StringIO(text))
        except iniparser.ParseError:
            # The reference counts lines across sources; count within this one.
            try:
                REF.OverrideConfigParser().parse(io.StringIO(text))
            except iniparser.ParseError as e:
                raise Rejected(index, e.lineno)
            raise AssertionError("a source fails only after others")
    out = io.StringIO()
    parser.write(out)
    return out.getvalue().encode()


def ours(sources, whitespace, dest, tmp_path, preview=False):
    """Our result; with `preview`, a check-mode run whose diff holds the text it would write."""
    args = {"rendered": [{"path": f"source{i}", "content": t} for i, t in enumerate(sources)],
            "dest": str(dest), "whitespace": whitespace}
    internal = {"check_mode": True, "diff": True} if preview else None
    run = run_binary("merge_configs", args, tmp_path, internal)
    assert run.rc == 0, run.stderr
    return run.result


def check_case(seed, tmp_path):
    sources, whitespace = gen.case(seed)
    try:
        expected, rejected = reference_output(sources, whitespace), None
    except Rejected as r:
        expected, rejected = None, r
    dest = tmp_path / f"out-{seed}.conf"
    # A real write costs an fsync (~8 ms here); one case in ten writes, the
    # others read the would-be content from a check-mode diff (~2 ms).
    preview = seed % 10 != 0
    result = ours(sources, whitespace, dest, tmp_path, preview)
    where = f"seed {seed}: sources={sources!r} whitespace={whitespace}"
    if rejected:
        assert result.get("failed") is True, f"oslo.config rejects but ours accepted; {where}"
        assert f"source{rejected.index}: line {rejected.line}: " in result["msg"], (result["msg"], where)
        assert not dest.exists(), where
        return "error"
    assert "failed" not in result, f"{result.get('msg')}; {where}"
    if preview:
        assert not dest.exists(), f"check mode wrote {dest}"
        got = result["diff"]["after"].encode()
    else:
        got = dest.read_bytes()
    assert got == expected, f"{where}\nexpected {expected!r}\ngot      {got!r}"
    assert result["size"] == len(expected)
    return "ok"


def test_generated_cases_match_the_reference_byte_for_byte(tmp_path):
    seeds = range(SEED, SEED + CASES)
    # The binary starts in about a millisecond; two threads keep both cores busy.
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda s: check_case(s, tmp_path), seeds))
    # The generator must exercise both outcomes, or the test proves little.
    assert outcomes.count("error") >= CASES // 100, outcomes.count("error")
    assert outcomes.count("ok") >= CASES * 8 // 10, outcomes.count("ok")


@pytest.mark.parametrize("text", [
    "[a]\nk = 1\n\n  continued after blank\n",
    "  leading continuation\n",
    "[a]\n# comment\n  continuation after comment\n",
    "[]\n",
    "[a\nk=1\n",
    "[a]\njust words\n",
    "[a]\n = v\n",
])
def test_malformed_sources_fail_like_the_reference(text, tmp_path):
    with pytest.raises(Rejected):
        reference_output([text], True)
    dest = tmp_path / "out.conf"
    result = ours([text], True, dest, tmp_path)
    assert result["failed"] is True and "source0: line " in result["msg"], result
    assert not dest.exists()


def test_generator_covers_the_rules():
    """Guards the generator itself: each rule shows up in the corpus."""
    texts = [t for s in range(SEED, SEED + 300) for t in gen.case(s)[0]]
    joined = "\n".join(texts)
    for needle in ["\n ", "\n\t", "#", ";", "\r", "\x1c", "\u3000", "é", ":", "[DEFAULT]",
                   "TEMPORARY_ORPHAN_VARIABLE_SECTION"]:
        assert needle in joined, needle
    assert any(not gen.case(s)[1] for s in range(SEED, SEED + 50)), "whitespace: false"
    assert any(len(gen.case(s)[0]) > 1 for s in range(SEED, SEED + 50)), "layering"
