#!/usr/bin/env python3
"""Sends DHCP packets given as hex and prints every reply as hex, one per line.

usage: dhcp_probe.py IFACE BIND_ADDR BIND_PORT DEST_ADDR DEST_PORT TIMEOUT HEX [HEX ...]
Run inside a test's network namespace. Stops once every packet has had a reply, or the last
packet has: the server answers in order, so that reply is the barrier after which any other
packet's silence is final. Exits 1 when no reply arrived within TIMEOUT seconds.
"""
import socket
import sys
import time

SO_BINDTODEVICE = 25


def main():
    iface, bind_addr, bind_port, dest, dest_port, timeout = sys.argv[1:7]
    packets = [bytes.fromhex(text) for text in sys.argv[7:]]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    sock.bind((bind_addr, int(bind_port)))
    for packet in packets:
        sock.sendto(packet, (dest, int(dest_port)))
    deadline = time.monotonic() + float(timeout)
    replies = 0
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, source = sock.recvfrom(65536)
        except socket.timeout:
            break
        print("%s %s:%d" % (data.hex(), source[0], source[1]), flush=True)
        replies += 1
        if replies >= len(packets) or data[4:8] == packets[-1][4:8]:
            break
    sys.exit(0 if replies else 1)


if __name__ == "__main__":
    main()
