# Sourced by kolla_start in kolla-toolbox, as the ansible user.
# ansible.cfg logs to /var/log/kolla/ansible.log: every user in the kolla
# group (ansible, rabbitmq, mysql) runs Ansible here and must be able to
# append to it. /var/log/kolla is setgid kolla, so a new file is kolla's.
log=/var/log/kolla/ansible.log
[[ -f "$log" ]] || touch "$log"
[[ "$(stat -c %U:%G "$log")" == ansible:kolla ]] || chown ansible:kolla "$log"
[[ "$(stat -c %a "$log")" == 664 ]] || chmod 0664 "$log"
