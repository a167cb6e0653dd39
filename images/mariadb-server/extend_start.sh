# Sourced by kolla_start in mariadb-server, as user mysql.
#  - KOLLA_BOOTSTRAP set (even empty): initialise /var/lib/mysql, start a
#    private server (no networking, no replication), secure it and give root
#    DB_ROOT_PASSWORD from everywhere, stop it, exit.
#  - KOLLA_UPGRADE set: mariadb-upgrade against DB_HOST:DB_PORT, exit.
#  - otherwise BOOTSTRAP_ARGS (kolla-ansible's --wsrep-new-cluster for the
#    first node of a new cluster, --wsrep-recover) go to the server.
: "${MARIADB_LOG_DIR:=/var/log/kolla/mariadb}"
mkdir -p "$MARIADB_LOG_DIR"
[[ "$(stat -c %a "$MARIADB_LOG_DIR")" == 755 ]] || chmod 0755 "$MARIADB_LOG_DIR"

mariadb_bootstrap() {
    : "${DB_ROOT_PASSWORD:?the bootstrap needs DB_ROOT_PASSWORD}"
    local socket=/run/mysqld/mysqld.sock pid=/var/lib/mysql/mariadb.pid wait_s=${DB_MAX_TIMEOUT:-60} server
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db
    mariadbd --wsrep-on=OFF --skip-networking --socket="$socket" --pid-file="$pid" &
    server=$!
    until [[ -S "$socket" && -f "$pid" ]]; do
        if (( wait_s-- <= 0 )) || ! kill -0 "$server" 2>/dev/null; then
            echo "mariadb bootstrap: the server did not come up" >&2
            return 1
        fi
        sleep 1
    done
    sudo -E kolla_security_reset
    MYSQL_PWD=$DB_ROOT_PASSWORD mariadb --socket="$socket" -u root <<SQL
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' IDENTIFIED BY '${DB_ROOT_PASSWORD//\'/\\\'}' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    MYSQL_PWD=$DB_ROOT_PASSWORD mariadb-admin --socket="$socket" -u root shutdown
    wait "$server" || true
}

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    mariadb_bootstrap 2>&1 | tee -a "$MARIADB_LOG_DIR/mariadb-bootstrap.log"
    exit "${PIPESTATUS[0]}"
fi

if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    # mariadb-upgrade takes every directory of the datadir for a database.
    rm -rf /var/lib/mysql/.pki
    MYSQL_PWD=$DB_ROOT_PASSWORD mariadb-upgrade --host="$DB_HOST" --port="$DB_PORT" --user=root \
        2>&1 | tee -a "$MARIADB_LOG_DIR/mariadb-upgrade.log"
    exit "${PIPESTATUS[0]}"
fi

if [[ -n "${BOOTSTRAP_ARGS+set}" ]]; then
    # shellcheck disable=SC2034  # kolla_start appends ARGS to the command
    ARGS="$BOOTSTRAP_ARGS"
fi
