# Test-only callback: appends every task result, as JSON, to the file named by
# KOLLA_RUST_RECORD, so tests can assert on exact module results.
import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: record
type: aggregate
short_description: record task results as JSON lines for the test suite
description: Writes one JSON object per task result to $KOLLA_RUST_RECORD.
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("KOLLA_RUST_RECORD")
        if not path:
            return
        task = result._task
        entry = {
            "task": task.get_name(),
            "action": task.action,
            "host": result._host.get_name(),
            "status": status,
            "result": self._convert(result._result),
        }
        with open(path, "a") as f:
            f.write(json.dumps(entry, default=str) + "\n")

    @staticmethod
    def _convert(data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")

    def v2_runner_item_on_ok(self, result):
        self._write(result, "item_ok")

    def v2_runner_item_on_failed(self, result):
        self._write(result, "item_failed")
