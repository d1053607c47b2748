#!/usr/bin/env python3
"""Plays strangers on the boot plane, each with a MAC of its own making (random, locally
administered), as fast as the server answers.

usage:
  boot_plane_strangers.py http URL COUNT
      COUNT GETs of URL/boot.ipxe?mac=RANDOM over one keep-alive connection (reopened when the
      server closes it); prints "sent=N ok=N".
  boot_plane_strangers.py discover IFACE COUNT
      COUNT DHCPDISCOVERs from RANDOM MACs with option 60 PXEClient (what makes a netboot
      client), broadcast on IFACE from port 68; prints "sent=N".
  boot_plane_strangers.py exhaust IFACE SECONDS
      Takes leases for RANDOM MACs (DISCOVER, then REQUEST of the offered address) until three
      DISCOVERs in a row get no OFFER (the pool is full) or SECONDS pass; prints each address
      taken as "leased=IP", then "taken=N".
"""
import http.client
import os
import socket
import struct
import sys
import time
import urllib.parse

SO_BINDTODEVICE = 25
COOKIE = b"\x63\x82\x53\x63"


def random_mac():
    octets = bytearray(os.urandom(6))
    octets[0] = (octets[0] & 0xFC) | 0x02  # unicast, locally administered
    return bytes(octets)


def packet(mac, xid, message_type, options=b""):
    header = struct.pack("!BBBBIHHIIII", 1, 1, 6, 0, xid, 0, 0x8000, 0, 0, 0, 0)
    header += mac + b"\x00" * 10 + b"\x00" * 192
    return header + COOKIE + bytes([53, 1, message_type]) + options + b"\xff"


def dhcp_socket(iface):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    sock.bind(("0.0.0.0", 68))
    return sock


def reply(sock, xid, wanted, deadline):
    """The first reply to xid of message type `wanted` before deadline: (yiaddr, server id) or None."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _ = sock.recvfrom(65536)
        except socket.timeout:
            return None
        if len(data) < 240 or struct.unpack("!I", data[4:8])[0] != xid or data[236:240] != COOKIE:
            continue
        options, index, kind, server = data[240:], 0, None, None
        while index < len(options) and options[index] != 255:
            if options[index] == 0:
                index += 1
                continue
            code, length = options[index], options[index + 1]
            value = options[index + 2:index + 2 + length]
            if code == 53:
                kind = value[0]
            elif code == 54:
                server = value
            index += 2 + length
        if kind == wanted:
            return data[16:20], server
    return None


def http_flood(url, count):
    parts = urllib.parse.urlsplit(url)
    connection, ok = None, 0
    for _ in range(count):
        if connection is None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", "/boot.ipxe?mac=" + random_mac().hex(":"))
            response = connection.getresponse()
            response.read()
            ok += response.status == 200
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = None
    print("sent=%d ok=%d" % (count, ok), flush=True)


def discover_flood(iface, count):
    sock = dhcp_socket(iface)
    pxe = bytes([60, 9]) + b"PXEClient" + bytes([93, 2, 0, 0])
    for xid in range(count):
        sock.sendto(packet(random_mac(), xid, 1, pxe), ("255.255.255.255", 67))
    print("sent=%d" % count, flush=True)


def exhaust(iface, seconds):
    sock = dhcp_socket(iface)
    deadline, misses, taken, xid = time.monotonic() + float(seconds), 0, 0, 1
    while misses < 3 and time.monotonic() < deadline:
        mac, xid = random_mac(), xid + 1
        sock.sendto(packet(mac, xid, 1), ("255.255.255.255", 67))
        offer = reply(sock, xid, 2, time.monotonic() + 2)
        if offer is None:
            misses += 1
            continue
        misses = 0
        address, server = offer
        options = bytes([50, 4]) + address + (bytes([54, 4]) + server if server else b"")
        sock.sendto(packet(mac, xid, 3, options), ("255.255.255.255", 67))
        if reply(sock, xid, 5, time.monotonic() + 2) is not None:
            taken += 1
            print("leased=%s" % socket.inet_ntoa(address), flush=True)
    print("taken=%d" % taken, flush=True)


def main():
    mode = sys.argv[1]
    if mode == "http":
        http_flood(sys.argv[2], int(sys.argv[3]))
    elif mode == "discover":
        discover_flood(sys.argv[2], int(sys.argv[3]))
    elif mode == "exhaust":
        exhaust(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
