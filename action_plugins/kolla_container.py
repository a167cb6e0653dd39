# Licensed under the Apache License, Version 2.0.
"""kolla_container: ansible-core's normal action, with the binary kept on the target
once per version instead of copied by every task (plugins/plugin_utils/binary_cache.py)."""

from ansible_collections.kolla.rust.plugins.plugin_utils.binary_cache import BinaryModuleAction


class ActionModule(BinaryModuleAction):
    """Runs the kolla_container binary module from the target's binary cache."""
