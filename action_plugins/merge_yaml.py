# Licensed under the Apache License, Version 2.0.
"""Controller half of merge_yaml: template each source, then hand the texts
to the merge_yaml binary module on the target in a single module call.

Parsing (PyYAML's YAML 1.1 rules), merging, dumping in PyYAML's exact style
and the copy-like write all happen in the binary. Templating stays here: it
needs the play's variables (plus the task's `vars`) and the controller's
template search path, and it renders exactly as kolla-ansible's merge_yaml
does, so the output can be compared byte for byte.
"""

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible_collections.kolla.rust.plugins.plugin_utils.binary_cache import execute_module

try:
    # ansible-core 2.19 only renders strings explicitly marked as trusted templates.
    from ansible.template import trust_as_template
except ImportError:  # older ansible-core: every string is a template
    def trust_as_template(text):
        return text


def _as_list(sources):
    """`sources` coerced as AnsibleModule's list type does: a string is split on commas."""
    if isinstance(sources, list):
        return sources
    if isinstance(sources, string_types):
        return sources.split(",")
    if isinstance(sources, (int, float)) and not isinstance(sources, bool):
        return [str(sources)]
    raise AnsibleActionFail(
        f"merge_yaml sources must be a list of paths, not {type(sources).__name__}")


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _render(self, templar, path):
        """The templated text of a controller file, or None when it cannot be read."""
        if not os.access(path, os.R_OK):
            return None
        if os.path.isdir(path):
            raise AnsibleActionFail(f"merge_yaml source {path} is a directory, not a file")
        try:
            with open(path, "r") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise AnsibleActionFail(f"merge_yaml cannot read source {path}: {e}")
        # The same lookup places as the template module: the playbook's
        # directory, its templates/ folder, and the source's own directory.
        basedir = self._loader.get_basedir()
        local = templar.copy_with_new_env(
            searchpath=[basedir, os.path.join(basedir, "templates"), os.path.dirname(path)])
        # lstrip_blocks keeps indented {% if %} lines from leaving their indent behind.
        rendered = local.template(trust_as_template(text), overrides=dict(lstrip_blocks=True))
        if not isinstance(rendered, str):
            raise AnsibleActionFail(
                f"merge_yaml source {path} rendered to a {type(rendered).__name__}, not text")
        return rendered

    def _module_name(self):
        """Our binary's name as this task resolved the action, so both the
        in-repo `merge_yaml` and the collection's `kolla.rust.merge_yaml` work."""
        return getattr(self._task, "resolved_action", None) or self._task.action

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp

        args = dict(self._task.args)
        sources = args.pop("sources", None)
        extra_vars = args.pop("vars", None) or {}
        if sources is None:
            raise AnsibleActionFail("merge_yaml needs sources: the YAML files to merge, in order")
        if not isinstance(extra_vars, dict):
            raise AnsibleActionFail(
                f"merge_yaml vars must be a dictionary, not {type(extra_vars).__name__}")
        sources = _as_list(sources)

        # The task's `vars` are visible to the sources' templates only.
        old_vars = self._templar.available_variables
        self._templar.available_variables = dict(task_vars, **extra_vars)
        try:
            rendered = []
            for path in sources:
                if not path:
                    continue
                text = self._render(self._templar, str(path))
                if text is not None:
                    rendered.append({"path": str(path), "content": text})
        finally:
            self._templar.available_variables = old_vars

        names = [str(p) for p in sources if p]
        module_args = dict(args, rendered=rendered, sources=names)
        result.update(execute_module(
            self, module_name=self._module_name(), module_args=module_args, task_vars=task_vars))
        # Show what the task was given, never the rendered texts (they hold secrets).
        result["invocation"] = {"module_args": dict(args, sources=names)}
        return result
