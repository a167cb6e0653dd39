#!/bin/bash
# keepalived's vrrp_script: healthy (0) when every check script under /checks
# (kolla-ansible's check_alive_<service>.sh) succeeds, and when there is none;
# prints each script's verdict. A failing check lowers this node's priority.
status=0
shopt -s nullglob
for check in /checks/*; do
    [[ -f "$check" ]] || continue
    if "$check" 2>/dev/null; then
        echo "check $check succeeded"
    else
        echo "check $check failed"
        status=1
    fi
done
exit "$status"
