#!/usr/bin/env python3
"""A relay agent's burst: COUNT DHCPDISCOVERs from COUNT made-up clients sent at once from
RELAY:67 to SERVER:67 (giaddr RELAY), then a DHCPREQUEST for every offer, at once again. Nothing
is sent twice: a request that gets no answer within TIMEOUT seconds stays unanswered. While it
runs, the server's threads (/proc/PID/task) are counted after every reply.

Prints one JSON object: offers, acks, naks, distinct addresses acked, idle_threads, peak_threads.
usage: dhcp_burst.py RELAY SERVER COUNT TIMEOUT SERVER_PID
"""
import json
import os
import socket
import struct
import sys
import time


def packet(kind, index, relay, options=b""):
    mac = bytes([0x02, 0xB5, 0x00, 0x00, index >> 8, index & 0xFF])
    header = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 1, 0x5EED0000 + index, 0, 0, bytes(4), bytes(4), bytes(4),
                         socket.inet_aton(relay))
    header += mac + bytes(10) + bytes(64) + bytes(128)
    return header + b"\x63\x82\x53\x63" + bytes([53, 1, kind]) + options + b"\xff"


def threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def collect(sock, count, timeout, pid, peak):
    """Replies by xid until every request has one or TIMEOUT passes with none."""
    replies = {}
    while len(replies) < count:
        sock.settimeout(timeout)
        try:
            data, _ = sock.recvfrom(4096)
        except socket.timeout:
            break
        peak[0] = max(peak[0], threads(pid))
        if len(data) < 244:
            continue
        xid = struct.unpack("!I", data[4:8])[0]
        kind = None
        options = data[240:]
        i = 0
        while i + 1 < len(options) and options[i] != 255:
            if options[i] == 0:
                i += 1
                continue
            if options[i] == 53:
                kind = options[i + 2]
            i += 2 + options[i + 1]
        replies[xid] = (kind, socket.inet_ntoa(data[16:20]))
    return replies


def main():
    relay, server, count, timeout, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((relay, 67))
    idle = threads(pid)
    peak = [idle]
    for index in range(count):
        sock.sendto(packet(1, index, relay), (server, 67))
    offers = collect(sock, count, timeout, pid, peak)
    for xid, (kind, address) in offers.items():
        if kind == 2:
            wanted = bytes([50, 4]) + socket.inet_aton(address) + bytes([54, 4]) + socket.inet_aton(server)
            sock.sendto(packet(3, xid - 0x5EED0000, relay, wanted), (server, 67))
    answers = collect(sock, sum(1 for kind, _ in offers.values() if kind == 2), timeout, pid, peak)
    acked = [address for kind, address in answers.values() if kind == 5]
    print(json.dumps({"offers": sum(1 for kind, _ in offers.values() if kind == 2), "acks": len(acked),
                      "naks": sum(1 for kind, _ in answers.values() if kind == 6), "distinct": len(set(acked)),
                      "idle_threads": idle, "peak_threads": peak[0]}))


if __name__ == "__main__":
    main()
