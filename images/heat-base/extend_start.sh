# Sourced by kolla_start in every heat image (as heat, the images' user):
# the log directory, which a fresh kolla_logs volume may lack, then the
# image's own part, kolla_heat_extend_start, when it has one
# (heat-api: the bootstrap).
HEAT_LOG_DIR=/var/log/kolla/heat
[[ -d "$HEAT_LOG_DIR" ]] || mkdir -p "$HEAT_LOG_DIR"
if [[ "$(id -u)" == 0 ]]; then
    chown heat:kolla "$HEAT_LOG_DIR"
fi
if [[ -O "$HEAT_LOG_DIR" || "$(id -u)" == 0 ]] && [[ "$(stat -c %a "$HEAT_LOG_DIR")" != 755 ]]; then
    chmod 0755 "$HEAT_LOG_DIR"
fi

if [[ -f /usr/local/bin/kolla_heat_extend_start ]]; then
    # shellcheck source=/dev/null
    . /usr/local/bin/kolla_heat_extend_start
fi
