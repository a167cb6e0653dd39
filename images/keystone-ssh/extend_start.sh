# Sourced by kolla_start in keystone-ssh, as root. Each container gets its own
# host keys (none are baked into the image), and keystone's ~/.ssh, where
# config.json puts the authorized key, must be keystone's for sshd to trust it.
for key_type in rsa ecdsa ed25519; do
    [[ -f "/etc/ssh/ssh_host_${key_type}_key" ]] || ssh-keygen -q -t "$key_type" -N "" -f "/etc/ssh/ssh_host_${key_type}_key"
done
install -d -o keystone -g keystone -m 0700 /var/lib/keystone/.ssh
