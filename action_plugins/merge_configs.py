# Licensed under the Apache License, Version 2.0.
"""Controller half of merge_configs: template each source, then hand the texts
to the merge_configs binary module on the target in a single module call.

Parsing, merging, writing and the copy-like file handling all happen in the
binary. Templating must stay here because it needs the play's variables and
the controller's template search path, and it must render exactly as
kolla-ansible's merge_configs does (the output is compared byte for byte).
"""

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.validation import check_type_list, check_type_str
from ansible.plugins.action import ActionBase
from ansible_collections.kolla.rust.plugins.plugin_utils.binary_cache import execute_module

try:
    # ansible-core 2.19 only renders strings explicitly marked as trusted templates.
    from ansible.template import trust_as_template
except ImportError:  # older ansible-core: every string is a template
    def trust_as_template(text):
        return text


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _render(self, path):
        """The templated text of a controller file, or None when it cannot be read."""
        if not os.access(path, os.R_OK):
            return None
        try:
            with open(path, "r") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise AnsibleActionFail(f"merge_configs cannot read source {path}: {e}")
        # The same lookup places as the template module: the playbook's
        # directory, its templates/ folder, and the source's own directory.
        basedir = self._loader.get_basedir()
        templar = self._templar.copy_with_new_env(
            searchpath=[basedir, os.path.join(basedir, "templates"), os.path.dirname(path)])
        # lstrip_blocks keeps indented {% if %} lines from leaving their indent behind.
        rendered = templar.template(trust_as_template(text), overrides=dict(lstrip_blocks=True))
        if not isinstance(rendered, str):
            raise AnsibleActionFail(
                f"merge_configs source {path} rendered to a {type(rendered).__name__}, not text")
        return rendered

    def _module_name(self):
        """Our binary's name as this task resolved the action, so both the
        in-repo `merge_configs` and the collection's `kolla.rust.merge_configs` work."""
        return getattr(self._task, "resolved_action", None) or self._task.action

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp

        args = dict(self._task.args)
        sources = args.pop("sources", None)
        if sources is None:
            raise AnsibleActionFail("merge_configs needs sources: the files to merge, in order")
        # The module documents `sources` as a list of str: coerce it with
        # AnsibleModule's own checks, so ad hoc `sources=/a.ini,/b.ini` is two
        # files, as it is for the binary without this plugin.
        try:
            sources = [check_type_str(path) for path in check_type_list(sources)]
        except TypeError as e:
            raise AnsibleActionFail(f"merge_configs sources must be a list of paths: {e}")

        rendered = []
        for path in sources:
            text = self._render(path) if path else None
            if text is not None:
                rendered.append({"path": path, "content": text})
        # Missing overrides are normal, but with nothing to merge the module
        # would replace dest with an empty file.
        if not rendered:
            dest = args.get("dest")
            named = ", ".join(sources) if sources else "(none given)"
            raise AnsibleActionFail(
                f"merge_configs: none of the sources exists or is readable on the controller: "
                f"{named}; {dest} was not changed (a missing override is skipped, but at least "
                f"one source must be there)")

        module_args = dict(args, rendered=rendered)
        result.update(execute_module(
            self, module_name=self._module_name(), module_args=module_args, task_vars=task_vars))
        # Show what the task was given, never the rendered texts (they hold secrets).
        result["invocation"] = {"module_args": dict(args, sources=sources)}
        return result
