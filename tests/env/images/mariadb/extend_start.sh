# Sourced by kolla_start in the mariadb image.
# With KOLLA_BOOTSTRAP set (the deployment's one-off bootstrap container), it
# creates the data directory and sets the root password from DB_ROOT_PASSWORD,
# then exits instead of starting the server.

install -d -o mysql -g mysql -m 0750 /var/log/kolla/mariadb
install -d -o mysql -g mysql -m 0755 /run/mysqld

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    : "${DB_ROOT_PASSWORD:?the bootstrap needs DB_ROOT_PASSWORD}"
    if [[ -d /var/lib/mysql/mysql ]]; then
        echo "mariadb bootstrap: data directory already initialised, nothing to do"
        exit 0
    fi
    chown mysql:mysql /var/lib/mysql
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    socket=/run/mysqld/bootstrap.sock
    mariadbd --user=mysql --datadir=/var/lib/mysql --skip-networking --socket="$socket" &
    server=$!
    for _ in $(seq 1 "${DB_MAX_TIMEOUT:-60}"); do
        mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break
        sleep 1
    done
    pw=${DB_ROOT_PASSWORD//\'/\'\'}
    mariadb --socket="$socket" <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '${pw}';
CREATE USER 'root'@'%' IDENTIFIED BY '${pw}';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    kill "$server"
    wait "$server" || true
    echo "mariadb bootstrap: done"
    exit 0
fi
