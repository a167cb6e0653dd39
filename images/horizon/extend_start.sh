# Sourced by kolla_start in horizon, as root, in Kolla's order:
#  - KOLLA_BOOTSTRAP set (even empty; kolla-ansible runs it only with
#    horizon_backend_database): manage.py migrate, then the container ends;
#  - the ENABLE_<PLUGIN> flags (yes/no, kolla-ansible's environment) add or
#    remove a plugin's panels in openstack_dashboard/local/enabled and its
#    policy files in /etc/openstack-dashboard; a flag set to yes for a plugin
#    this image lacks (only heat's is installed) is reported, not fatal;
#  - collectstatic and compress when the settings (or the panels, or
#    FORCE_GENERATE=yes) changed since the last run in this container:
#    kolla-ansible's settings set COMPRESS_OFFLINE, so the compressed bundles
#    must exist before the first request;
#  - the log directory and the secret key store, horizon's.
SITE_PACKAGES=/var/lib/kolla/venv/lib/python3/site-packages
DASHBOARD_CONF=/etc/openstack-dashboard
SETTINGS_HASH=/var/lib/kolla/.settings.md5sum.txt
SECRET_KEY_DIR=/var/lib/openstack-dashboard/secret-key
FORCE_GENERATE=${FORCE_GENERATE:-no}

manage_py() {
    /var/lib/kolla/venv/bin/python3 /var/lib/kolla/venv/bin/manage.py "$@"
}

# Older kolla-ansible releases ship settings as custom_local_settings.
if [[ -f "$DASHBOARD_CONF/custom_local_settings" \
      && ! -L "$SITE_PACKAGES/openstack_dashboard/local/custom_local_settings.py" ]]; then
    ln -s "$DASHBOARD_CONF/custom_local_settings" "$SITE_PACKAGES/openstack_dashboard/local/custom_local_settings.py"
fi

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    manage_py migrate --noinput
    exit 0
fi

# ENABLE_ flag, the plugin's package, where its panels are (inside the package).
PLUGINS="BLAZAR blazar_dashboard enabled
CLOUDKITTY cloudkittydashboard enabled
DESIGNATE designatedashboard enabled
FWAAS neutron_fwaas_dashboard enabled
HEAT heat_dashboard enabled
IRONIC ironic_ui enabled
MAGNUM magnum_ui enabled
MANILA manila_ui local/enabled
MASAKARI masakaridashboard local/enabled
MISTRAL mistraldashboard enabled
NEUTRON_VPNAAS neutron_vpnaas_dashboard enabled
OCTAVIA octavia_dashboard enabled
TACKER tacker_horizon enabled
TROVE trove_dashboard enabled
WATCHER watcher_dashboard local/enabled"

# Puts SRC at DEST when enabled, takes DEST (and its bytecode) away when not;
# either change makes the static files stale.
sync_plugin_file() {
    local enable=$1 src=$2 dest=$3
    if [[ "$enable" == yes && ! -f "$dest" ]]; then
        mkdir -p "$(dirname "$dest")"
        cp -a "$src" "$dest"
        FORCE_GENERATE=yes
    elif [[ "$enable" != yes && -f "$dest" ]]; then
        rm -f "$dest" "${dest}c" "${dest}o"
        FORCE_GENERATE=yes
    fi
}

while read -r flag package panels; do
    var=ENABLE_$flag
    enable=${!var:-no}
    if [[ ! -d "$SITE_PACKAGES/$package" ]]; then
        [[ "$enable" != yes ]] || echo "WARNING: $var=yes, but this image has no $package (its dashboard plugin is not installed)" >&2
        continue
    fi
    for src in "$SITE_PACKAGES/$package/$panels"/_*.py; do
        [[ -f "$src" && "${src##*/}" != __init__.py ]] || continue
        sync_plugin_file "$enable" "$src" "$SITE_PACKAGES/openstack_dashboard/local/enabled/${src##*/}"
    done
    # The policy files Kolla's image takes from the plugin: conf/<service>_policy.* and conf/default_policies/*.
    for src in "$SITE_PACKAGES/$package"/conf/*_policy.yaml "$SITE_PACKAGES/$package"/conf/*_policy.json \
               "$SITE_PACKAGES/$package"/conf/default_policies/*.yaml; do
        [[ -f "$src" ]] || continue
        sync_plugin_file "$enable" "$src" "$DASHBOARD_CONF/${src#"$SITE_PACKAGES/$package/conf/"}"
    done
done <<< "$PLUGINS"

# What the static files depend on, byte for byte: the settings, the themes and
# the enabled panels (tar with a fixed mtime, so only content counts; bytecode
# Python writes while collecting does not).
settings_bundle() {
    tar -cf - --mtime=1970-01-01 --sort=name --ignore-failed-read --exclude=__pycache__ --exclude='*.py[co]' \
        "$DASHBOARD_CONF/local_settings.py" "$DASHBOARD_CONF/custom_local_settings" \
        "$DASHBOARD_CONF/local_settings.d" "$DASHBOARD_CONF/themes" \
        "$SITE_PACKAGES/openstack_dashboard/local/enabled" 2>/dev/null || true
}

if [[ "$FORCE_GENERATE" == yes || ! -f "$SETTINGS_HASH" ]] || ! settings_bundle | md5sum --check --status "$SETTINGS_HASH"; then
    manage_py collectstatic --noinput --clear
    manage_py compress --force
    settings_bundle | md5sum > "$SETTINGS_HASH"
fi

HORIZON_LOG_DIR=/var/log/kolla/horizon
[[ -d "$HORIZON_LOG_DIR" ]] || mkdir -p "$HORIZON_LOG_DIR"
[[ "$(stat -c %U:%G "$HORIZON_LOG_DIR")" == horizon:kolla ]] || chown -R horizon:kolla "$HORIZON_LOG_DIR"
[[ "$(stat -c %a "$HORIZON_LOG_DIR")" == 755 ]] || chmod 0755 "$HORIZON_LOG_DIR"

# Made by whoever first imported the settings (collectstatic, as root, above).
chown -R horizon:horizon "$SECRET_KEY_DIR"
