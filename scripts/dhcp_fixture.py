#!/usr/bin/env python3
"""DHCP fixture helper for scripts/capture-dhcp-fixtures.

  listen   --iface IF --outdir DIR --name CLIENT [--respond --server-ip A --offer-ip B] [--want discover,request]
           Binds UDP port 67 on IF (SO_BINDTODEVICE, SO_BROADCAST), writes the first DHCPDISCOVER
           and DHCPREQUEST it receives as CLIENT-discover.{hex,txt} / CLIENT-request.{hex,txt}.
           With --respond it answers a DISCOVER with a minimal OFFER so the client goes on to
           REQUEST (it never ACKs). Exits 0 once every wanted message is written, 1 on timeout.
  describe FILE.hex
           Prints the text dump of a fixture.

The text dump is written independently of the Swift decoder in Sources/Wire (DHCPPacket+Text.swift)
and must match it line for line: the fixtures test compares the two.
"""
import argparse
import select
import socket
import struct
import sys
import time

COOKIE = 0x63825363
NAMES = {
    1: "subnet mask", 3: "routers", 6: "DNS servers", 12: "hostname", 15: "domain name",
    28: "broadcast address", 43: "vendor specific", 50: "requested address", 51: "lease time",
    52: "overload", 53: "message type", 54: "server identifier", 55: "parameter request list",
    56: "message", 57: "max message size", 58: "renewal time", 59: "rebinding time",
    60: "vendor class", 61: "client identifier", 66: "TFTP server name", 67: "boot file name",
    77: "user class", 82: "relay agent information", 93: "client architecture", 94: "client NDI",
    97: "client UUID", 175: "iPXE encapsulated",
}
TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


class DecodeError(Exception):
    pass


def parse_area(data, start, end, options, order, ignore=None):
    i = start
    while i < end:
        code = data[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            return
        if i + 1 >= end:
            raise DecodeError(f"option {code} at offset {i} has no length byte")
        value_end = i + 2 + data[i + 1]
        if value_end > end:
            raise DecodeError(f"option {code} at offset {i} overruns by {value_end - end}")
        if code != ignore:
            if code not in options:
                options[code] = b""
                order.append(code)
            options[code] += data[i + 2:value_end]  # RFC 3396 concatenation
        i = value_end


def decode(data):
    if len(data) < 240:
        raise DecodeError(f"{len(data)} bytes is too short")
    if data[0] not in (1, 2):
        raise DecodeError(f"op {data[0]}")
    if struct.unpack("!I", data[236:240])[0] != COOKIE:
        raise DecodeError("bad magic cookie")
    options, order = {}, []
    parse_area(data, 240, len(data), options, order)
    overload = 0
    if 52 in options:
        if len(options[52]) != 1 or options[52][0] not in (1, 2, 3):
            raise DecodeError("bad option 52")
        overload = options[52][0]
    if overload & 1:
        parse_area(data, 108, 236, options, order, ignore=52)
    if overload & 2:
        parse_area(data, 44, 108, options, order, ignore=52)
    return overload, options, order


def hexlist(b):
    return " ".join(f"{x:02x}" for x in b)


def quoted(b):
    out = '"'
    for x in b:
        if x == 0x22:
            out += '\\"'
        elif x == 0x5C:
            out += "\\\\"
        elif 0x20 <= x <= 0x7E:
            out += chr(x)
        else:
            out += f"\\x{x:02x}"
    return out + '"'


def text_field(b):
    end = b.find(b"\0")
    return b if end < 0 else b[:end]


def sub_options(value, pad_and_end):
    items, i = [], 0
    while i < len(value):
        code = value[i]
        if pad_and_end and code == 0:
            i += 1
            continue
        if pad_and_end and code == 255:
            break
        if i + 1 >= len(value):
            return None
        end = i + 2 + value[i + 1]
        if end > len(value):
            return None
        items.append((code, value[i + 2:end]))
        i = end
    return items


def rfc3004_items(value):
    items, i = [], 0
    while i < len(value):
        n = value[i]
        if n == 0 or i + 1 + n > len(value):
            return None
        items.append(value[i + 1:i + 1 + n])
        i += 1 + n
    return items or None


def option_text(code, v):
    if not v:
        return "(empty)"
    if code == 53 and len(v) == 1 and v[0] in TYPES:
        return TYPES[v[0]]
    if code in (1, 3, 6, 28, 50, 54) and len(v) % 4 == 0:
        return ", ".join(socket.inet_ntoa(v[i:i + 4]) for i in range(0, len(v), 4))
    if code in (51, 58, 59) and len(v) == 4:
        return str(struct.unpack("!I", v)[0])
    if code == 57 and len(v) == 2:
        return str(struct.unpack("!H", v)[0])
    if code == 52 and len(v) == 1:
        return str(v[0])
    if code == 55:
        return ", ".join(str(x) for x in v)
    if code in (12, 15, 56, 60, 66, 67):
        return quoted(v)
    if code == 77:
        items = rfc3004_items(v)
        if items is not None:
            return "RFC 3004 [" + ", ".join(quoted(x) for x in items) + "]"
        return "bare " + quoted(v)
    if code == 93 and len(v) % 2 == 0:
        return ", ".join(str(struct.unpack("!H", v[i:i + 2])[0]) for i in range(0, len(v), 2))
    if code in (43, 175, 82):
        items = sub_options(v, pad_and_end=code != 82)
        if items is not None:
            return "{" + "; ".join(f"{c}: {hexlist(x) if x else '(empty)'}" for c, x in items) + "}"
    return hexlist(v)


def describe(data):
    overload, options, order = decode(data)
    op, htype, hlen, hops, xid, secs, flags = struct.unpack("!BBBBIHH", data[:12])
    ci, yi, si, gi = (socket.inet_ntoa(data[o:o + 4]) for o in (12, 16, 20, 24))
    chaddr = data[28:44]
    lines = [
        f"op: {op} {'BOOTREQUEST' if op == 1 else 'BOOTREPLY'}",
        f"htype: {htype}",
        f"hlen: {hlen}",
        f"hops: {hops}",
        f"xid: 0x{xid:08x}",
        f"secs: {secs}",
        f"flags: 0x{flags:04x}" + (" broadcast" if flags & 0x8000 else ""),
        f"ciaddr: {ci}",
        f"yiaddr: {yi}",
        f"siaddr: {si}",
        f"giaddr: {gi}",
        f"chaddr: {hexlist(chaddr)}",
        "client MAC: " + (":".join(f"{x:02x}" for x in chaddr[:6]) if htype == 1 and hlen == 6 else "none"),
        "sname: " + quoted(b"" if overload & 2 else text_field(data[44:108])),
        "file: " + quoted(b"" if overload & 1 else text_field(data[108:236])),
    ]
    for code in order:
        name = f" ({NAMES[code]})" if code in NAMES else ""
        lines.append(f"option {code}{name}: {option_text(code, options[code])}")
    return "".join(line + "\n" for line in lines)


def to_hex(data):
    return "".join(data[i:i + 32].hex() + "\n" for i in range(0, len(data), 32))


def from_hex(text):
    return bytes.fromhex("".join(text.split()))


def offer(request, server_ip, offer_ip):
    """A minimal DHCPOFFER for `request` (RFC 2131 §4.3.1), with a boot file so PXE firmware accepts it."""
    header = bytearray(request[:236])
    header[0] = 2  # BOOTREPLY
    header[3] = 0  # hops
    header[8:12] = b"\0\0" + request[10:12]  # secs 0, flags echoed
    header[12:16] = bytes(4)
    header[16:20] = socket.inet_aton(offer_ip)
    header[20:24] = socket.inet_aton(server_ip)
    header[24:28] = request[24:28]
    header[44:236] = bytes(192)
    header[108:108 + 9] = b"boot.file"
    opts = bytes([53, 1, 2]) + bytes([54, 4]) + socket.inet_aton(server_ip)
    opts += bytes([51, 4]) + struct.pack("!I", 3600) + bytes([1, 4]) + socket.inet_aton("255.255.255.0")
    _, options, _ = decode(request)
    if options.get(60, b"").startswith(b"PXEClient"):
        opts += bytes([60, 9]) + b"PXEClient"
    if 97 in options:
        opts += bytes([97, len(options[97])]) + options[97]
    packet = bytes(header) + struct.pack("!I", COOKIE) + opts + b"\xff"
    return packet + bytes(max(0, 300 - len(packet)))


def listen(args):
    want = set(args.want.split(","))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.iface.encode())
    sock.bind(("0.0.0.0", 67))
    print(f"listening on {args.iface}:67", file=sys.stderr, flush=True)
    if args.ready:
        open(args.ready, "w").close()
    deadline = time.monotonic() + args.timeout
    written = set()
    while written != want:
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"timed out; missing {sorted(want - written)}", file=sys.stderr)
            return 1
        readable, _, _ = select.select([sock], [], [], left)
        if not readable:
            continue
        data, peer = sock.recvfrom(65535)
        try:
            _, options, _ = decode(data)
        except DecodeError as error:
            print(f"ignored {len(data)} bytes from {peer}: {error}", file=sys.stderr)
            continue
        kind = {1: "discover", 3: "request"}.get(options.get(53, b"\0")[0])
        if data[0] != 1 or kind is None:
            continue
        if kind in want and kind not in written:
            base = f"{args.outdir}/{args.name}-{kind}"
            with open(base + ".hex", "w") as f:
                f.write(to_hex(data))
            with open(base + ".txt", "w") as f:
                f.write(describe(data))
            written.add(kind)
            print(f"wrote {base}.hex ({len(data)} bytes from {peer})", file=sys.stderr, flush=True)
        if kind == "discover" and args.respond and "request" in want - written:
            sock.sendto(offer(data, args.server_ip, args.offer_ip), ("255.255.255.255", 68))
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("listen")
    p.add_argument("--iface", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--want", default="discover")
    p.add_argument("--respond", action="store_true")
    p.add_argument("--server-ip")
    p.add_argument("--offer-ip")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--ready", help="file to create once the socket is bound")
    d = sub.add_parser("describe")
    d.add_argument("file")
    args = parser.parse_args()
    if args.command == "listen":
        return listen(args)
    with open(args.file) as f:
        sys.stdout.write(describe(from_hex(f.read())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
