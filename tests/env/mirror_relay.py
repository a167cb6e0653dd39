"""An HTTP proxy inside the test network namespace that reaches only the apt mirrors.

The test engine runs in a network namespace with nothing but loopback, so an
image build's `apt-get` there cannot reach the mirror. This process listens on
127.0.0.1 *inside* that namespace (the listening socket is created after
entering it) and opens its outgoing connections from the namespace it was
started in, where the mirror is reachable. It forwards plain proxy requests
(`GET http://mirror/...`, which HTTP servers must accept in absolute form) and
CONNECT tunnels, and refuses every host other than the mirror's.

    python3 mirror_relay.py NETNS PORT URL...

listens on 127.0.0.1:PORT in NETNS and serves until killed; the hosts of the
URLs (the machine's apt sources) are the only ones it connects to.
"""
import ctypes
import os
import socket
import sys
import threading
from urllib.parse import urlsplit

CLONE_NEWNET = 0x40000000


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, allowed):
    head = b""
    while b"\r\n" not in head and len(head) < 65536:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        head += chunk
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) != 3:
        client.close()
        return
    method, target = parts[0], parts[1]
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        dest, forward = (host, int(port or 443)), b""
    else:
        url = urlsplit(target)
        dest, forward = (url.hostname or "", url.port or 80), head
    if dest not in allowed:
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        client.close()
        return
    try:
        upstream = socket.create_connection(dest, timeout=30)
        upstream.settimeout(None)
    except OSError as e:
        msg = f"cannot reach the mirror {dest[0]}:{dest[1]}: {e}".encode()
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                       % (len(msg), msg))
        client.close()
        return
    if method == "CONNECT":
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        upstream.sendall(forward)
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream)


def main():
    netns, port, mirrors = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    allowed = set()
    for mirror in mirrors:
        url = urlsplit(mirror)
        if url.scheme in ("http", "https") and url.hostname:
            allowed.add((url.hostname, url.port or (443 if url.scheme == "https" else 80)))
    if not allowed:
        sys.exit(f"mirror_relay: no http(s) mirror among {mirrors!r}")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns(f"/run/netns/{netns}")
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    # Back home: every connection from here on starts where the mirror is reachable.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(home, CLONE_NEWNET) != 0:
        sys.exit("mirror_relay: cannot return to the original network namespace")
    os.close(home)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, allowed), daemon=True).start()


if __name__ == "__main__":
    main()
