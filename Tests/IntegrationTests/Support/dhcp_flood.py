#!/usr/bin/env python3
"""Sends COUNT malformed DHCP packets to 255.255.255.255:67 on IFACE: random bytes, truncated
headers, a bad magic cookie, and options that overrun the packet. Bounded in count and time,
and stops early once STOPFILE exists (the test's way to end it when it has seen enough).

usage: dhcp_flood.py IFACE COUNT SECONDS [STOPFILE]
"""
import os
import random
import socket
import sys
import time

SO_BINDTODEVICE = 25


def malformed(rng, index):
    kind = index % 4
    if kind == 0:
        return os.urandom(rng.randint(1, 600))
    header = bytearray(os.urandom(236))
    header[0] = 1
    if kind == 1:
        return bytes(header[: rng.randint(0, 239)])
    if kind == 2:
        return bytes(header) + b"\x63\x82\x53\x00" + b"\x35\x01\x01\xff"
    return bytes(header) + b"\x63\x82\x53\x63" + b"\x35\x01\x01" + bytes([60, 200]) + b"PXEClient"


def main():
    iface, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    stop = sys.argv[4] if len(sys.argv) > 4 else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    rng = random.Random(7)
    deadline = time.monotonic() + seconds
    sent = 0
    while sent < count and time.monotonic() < deadline:
        sock.sendto(malformed(rng, sent), ("255.255.255.255", 67))
        sent += 1
        if sent % 200 == 0:
            if stop and os.path.exists(stop):
                break
            time.sleep(0.005)
    print(sent)


if __name__ == "__main__":
    main()
