#!/usr/bin/env python3
"""Answers IPv6 router solicitations on IFACE with a router advertisement that offers nothing:
no prefix, no default route (lifetime 0), neither DHCPv6 flag (M, O).

Why: iPXE's `autoboot` waits for every network configurator before it goes on, and its IPv6
one (net/ndp.c, ipv6conf) ends only at a router advertisement or after its solicitation timer
gives up, about 15 s of retries on a network with no router. This answer ends it at once, as a
real network's router would, so each iPXE boot in the test costs what DHCP costs.

usage: router_advertiser.py IFACE   (runs until killed; prints "ready" once listening)
"""
import socket
import struct
import sys

SO_BINDTODEVICE = 25
ROUTER_SOLICITATION = 133
ROUTER_ADVERTISEMENT = 134


def main():
    iface = sys.argv[1]
    index = socket.if_nametoindex(iface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    # Neighbour discovery messages must carry hop limit 255 (RFC 4861 §6.1.2).
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    # Solicitations go to all-routers.
    group = socket.inet_pton(socket.AF_INET6, "ff02::2") + struct.pack("@I", index)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
    # type, code, checksum (the kernel fills it in), cur hop limit, flags, router lifetime,
    # reachable time, retrans timer.
    advertisement = struct.pack("!BBHBBHII", ROUTER_ADVERTISEMENT, 0, 0, 64, 0, 0, 0, 0)
    print("ready", flush=True)
    while True:
        data, _ = sock.recvfrom(2048)
        if data and data[0] == ROUTER_SOLICITATION:
            try:
                sock.sendto(advertisement, ("ff02::1", 0, 0, index))
            except OSError as error:  # no usable link-local address yet: the next solicitation
                print("not sent: %s" % error, flush=True)


if __name__ == "__main__":
    main()
