# Licensed under the Apache License, Version 2.0.
"""task_times: the wall time of every task of a run, by module, for bench/.

Enabled through ANSIBLE_CALLBACKS_ENABLED=task_times with this directory on
ANSIBLE_CALLBACK_PLUGINS; writes a JSON list, one entry per task and host
({"action", "task", "host", "status", "seconds"}, a looped task once, all its
items included), to the file KOLLA_RUST_TASK_TIMES names, when the run ends."""
import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: per-task wall time by module, as JSON, for bench/
description:
  - Writes one entry per task and host to the file $KOLLA_RUST_TASK_TIMES when the run ends.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""


class CallbackModule(CallbackBase):
    """Records when each task started and when each host's result came back."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._records = []

    def _start(self, task):
        self._started[task._uuid] = time.perf_counter()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _done(self, result, status):
        task = result._task
        began = self._started.get(task._uuid)
        if began is None:
            return
        self._records.append({"action": task.action, "task": task.get_name(), "host": result._host.get_name(),
                              "status": status, "seconds": time.perf_counter() - began})

    def v2_runner_on_ok(self, result):
        self._done(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("KOLLA_RUST_TASK_TIMES")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self._records, f)
