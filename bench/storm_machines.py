#!/usr/bin/env python3
"""Simulated machines for bench/storm.sh (stdlib only).

  storm_machines.py register ADMIN_URL TOKEN COUNT PROFILE
      registers machines 0..COUNT-1 (MAC 52:54:01:xx:xx:xx, host name storm-N) over 8 keep-alive
      connections.
  storm_machines.py run --server IP --relays IP,IP,.. --count N [--retransmit S] [--ready-db PATH]
      N machines boot at once, each as iPXE does after its firmware chainloaded it:
        DHCP  DISCOVER/OFFER/REQUEST/ACK relayed: the machine's relay (one of --relays, by
              machine number) sends from RELAY:67 with giaddr = RELAY and hops 1 to SERVER:67 and
              hears the answer on RELAY:67; options 53, 60 "PXEClient:Arch:00000:UNDI:002001",
              77 "iPXE", 93 (BIOS), 94, 97; a request not answered within --retransmit seconds
              is sent again (counted); a NAK restarts the exchange with a DISCOVER (counted), as
              RFC 2131 §4.4.1 has a client do. Each relay socket asks for an 8 MiB receive buffer
              and is read until empty whenever it is readable (class Relay).
        script GET of the boot file URL from the ACK (option 67 or the file field).
        assets GET of the script's `kernel` and `initrd` URLs (bodies counted, not kept).
        cloud-init GET SEED/meta-data and SEED/user-data, SEED from the kernel line's `s=`.
        report POST of `instance_id=...&hostname=...` to user-data's `url:` under phone_home.
      Every HTTP request is a new connection from the machine's leased address (the client
      namespace routes the machines' subnets to itself, `ip route add local`), as firmware and
      cloud-init make them. Prints one JSON object: wall time to the last report (and to the
      last `ready` in --ready-db, provisiond's database, when given), per-phase p50/p99/max (and
      "dhcp-wire": each DHCP exchange from its send to the kernel's receive time of the reply),
      retransmits, NAK restarts, failures, this process's CPU seconds.
"""
import argparse
import asyncio
import http.client
import json
import random
import re
import resource
import socket
import sqlite3
import struct
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone

PHASES = ["dhcp", "script", "assets", "cloud-init", "report", "total"]


def mac_of(number):
    return "52:54:01:%02x:%02x:%02x" % ((number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF)


# --- registration ----------------------------------------------------------------------------

def register(admin_url, token, count, profile):
    parsed = urllib.parse.urlsplit(admin_url)
    errors = []

    def worker(numbers):
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        for number in numbers:
            body = json.dumps({"mac": mac_of(number), "hostname": "storm-%d" % number, "profile": profile})
            connection.request("POST", "/api/v1/machines", body=body, headers=headers)
            response = connection.getresponse()
            text = response.read()
            if response.status != 201:
                errors.append("%s: %d %s" % (mac_of(number), response.status, text[:200]))
        connection.close()

    threads = [threading.Thread(target=worker, args=(range(i, count, 8),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit("registration failed for %d machines, first: %s" % (len(errors), errors[0]))


# --- DHCP (RFC 2131/2132, PXE RFC 4578) ---------------------------------------------------------

MAGIC = b"\x63\x82\x53\x63"
NAK = 6  # DHCP message type (RFC 2132 §9.6)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # socket(7); 35 on x86_64


def dhcp_packet(kind, xid, mac, relay, requested=None, server_id=None):
    chaddr = bytes(int(part, 16) for part in mac.split(":"))
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                       socket.inet_aton(relay), chaddr + b"\0" * 10, b"", b"")
    options = bytearray(MAGIC)

    def option(code, value):
        options.extend(bytes([code, len(value)]) + value)

    option(53, bytes([kind]))
    if requested:
        option(50, socket.inet_aton(requested))
    if server_id:
        option(54, socket.inet_aton(server_id))
    option(55, bytes([1, 3, 6, 12, 15, 17, 43, 60, 66, 67, 119, 175]))
    option(60, b"PXEClient:Arch:00000:UNDI:002001")
    option(77, b"iPXE")
    option(93, b"\x00\x00")
    option(94, b"\x01\x02\x01")
    option(97, b"\x00" + chaddr + b"\0" * 10)
    options.append(255)
    return head + bytes(options)


def parse_reply(data):
    """(xid, message type, yiaddr, server id, boot file) of a BOOTREPLY, or None."""
    if len(data) < 240 or data[0] != 2 or data[236:240] != MAGIC:
        return None
    xid = struct.unpack("!I", data[4:8])[0]
    yiaddr = socket.inet_ntoa(data[16:20])
    file_field = data[108:236].split(b"\0", 1)[0].decode("latin-1")
    options = {}
    index = 240
    while index < len(data):
        code = data[index]
        if code == 255:
            break
        if code == 0:
            index += 1
            continue
        length = data[index + 1]
        options[code] = data[index + 2:index + 2 + length]
        index += 2 + length
    kind = options.get(53, b"\0")[0]
    server_id = socket.inet_ntoa(options[54]) if 54 in options else None
    boot_file = options[67].split(b"\0", 1)[0].decode("latin-1") if 67 in options else file_field
    return xid, kind, yiaddr, server_id, boot_file


class Relay:
    """One relay agent's socket (RELAY:67): hands each reply to the machine waiting for its xid.
    Each time the socket is readable it is read until empty: asyncio's datagram transport reads
    one datagram per loop turn, and a turn takes long while hundreds of machines download, so
    replies waited in the socket for seconds (and timed out into retransmits) although the server
    had sent them in milliseconds: the storm measured this process, not the server. Each reply
    also carries the kernel's receive time (SO_TIMESTAMPNS), so the server's own latency (request
    sent → reply arrived) is known whatever this process was doing meanwhile."""

    def __init__(self, loop, address, waiting):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Root may pass rmem_max (SO_RCVBUFFORCE, 33 on Linux): room for a storm's replies.
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setblocking(False)
        self.sock.bind((address, 67))
        self.loop = loop
        self.waiting = waiting
        loop.add_reader(self.sock.fileno(), self.drain)

    def drain(self):
        while True:
            try:
                data, control, _, _ = self.sock.recvmsg(2048, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                return
            reply = parse_reply(data)
            if reply is None:
                continue
            arrived = time.time()
            for level, kind, value in control:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    seconds, nanoseconds = struct.unpack("qq", value[:16])
                    arrived = seconds + nanoseconds / 1e9
            future = self.waiting.get(reply[0])
            if future is not None and not future.done():
                future.set_result((reply, arrived))

    def sendto(self, packet, destination):
        try:
            self.sock.sendto(packet, destination)
        except BlockingIOError:
            pass  # the send buffer is full: a lost request, which the retransmit timer resends

    def close(self):
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


# --- HTTP/1.1, one connection per request -------------------------------------------------------

class Fetch(asyncio.BufferedProtocol):
    """Reads one response into a reused buffer: the head is kept, a body is counted (and kept
    when `keep` is set)."""

    def __init__(self, keep, done):
        self.keep = keep
        self.done = done
        self.buffer = bytearray(256 * 1024)
        self.head = bytearray()
        self.status = None
        self.length = None
        self.received = 0
        self.body = bytearray()

    def get_buffer(self, hint):
        return self.buffer

    def buffer_updated(self, count):
        data = memoryview(self.buffer)[:count]
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.head[:end]).decode("latin-1")
            rest = self.head[end + 4:]
            self.status = int(head.split(" ", 2)[1])
            match = re.search(r"(?im)^content-length:\s*(\d+)", head)
            self.length = int(match.group(1)) if match else 0
            data = memoryview(rest)
        self.received += len(data)
        if self.keep:
            self.body += data
        if self.received >= self.length and not self.done.done():
            self.done.set_result(self)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_exception(ConnectionError("closed after %d of %s body bytes: %s" % (self.received, self.length, exc)))


async def request(loop, method, url, source, keep=True, body=b"", content_type=None, timeout=60):
    parsed = urllib.parse.urlsplit(url)
    target = parsed.path + ("?" + parsed.query if parsed.query else "")
    done = loop.create_future()
    transport, _ = await asyncio.wait_for(
        loop.create_connection(lambda: Fetch(keep, done), parsed.hostname, parsed.port or 80, local_addr=(source, 0)), timeout)
    try:
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: storm\r\nConnection: close\r\n" % (method, target, parsed.netloc)
        if method == "POST":
            head += "Content-Type: %s\r\nContent-Length: %d\r\n" % (content_type, len(body))
        transport.write(head.encode() + b"\r\n" + body)
        fetch = await asyncio.wait_for(done, timeout)
    finally:
        transport.close()
    if fetch.status // 100 != 2:
        raise RuntimeError("%s %s: HTTP %d %s" % (method, url, fetch.status, bytes(fetch.body[:200])))
    return fetch


# --- one machine ------------------------------------------------------------------------------------

class Storm:
    def __init__(self, args):
        self.args = args
        self.relays = args.relays.split(",")
        self.waiting = {}
        self.sockets = {}
        self.retransmits = 0
        self.nak_restarts = 0
        # Per phase; and "dhcp-wire", each DHCP exchange from its (last) send to the kernel's
        # receive time of the reply: the server's latency, without this process's own delays.
        self.times = {phase: [] for phase in PHASES + ["dhcp-wire"]}
        self.failures = []
        self.reports_done = []

    async def exchange(self, relay, packet, xid, expected):
        """Sends `packet` until a reply of type `expected` (or a NAK) arrives; returns it. A reply
        of another type is a late answer to this exchange's previous message (an OFFER to a
        DISCOVER sent again, arriving after the REQUEST went out): ignored, as a client in
        REQUESTING state does (RFC 2131 §4.4.1), and waited past without sending again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.args.give_up
        attempt = 0
        send = True
        while True:
            future = loop.create_future()
            self.waiting[xid] = future
            if send:
                sent = time.time()
                self.sockets[relay].sendto(packet, (self.args.server, 67))
            try:
                reply, arrived = await asyncio.wait_for(future, self.args.retransmit)
                if reply[1] == expected or reply[1] == NAK:
                    self.times["dhcp-wire"].append(arrived - sent)
                    return reply
                send = False
            except asyncio.TimeoutError:
                attempt += 1
                self.retransmits += 1
                send = True
                if loop.time() > deadline:
                    raise RuntimeError("no DHCP answer after %d attempts" % attempt)
            finally:
                self.waiting.pop(xid, None)

    async def machine(self, number, start):
        loop = asyncio.get_running_loop()
        mac = mac_of(number)
        relay = self.relays[number % len(self.relays)]
        marks = [loop.time()]
        try:
            while True:
                xid = random.getrandbits(32)
                offer = await self.exchange(relay, dhcp_packet(1, xid, mac, relay), xid, 2)
                ack = await self.exchange(relay, dhcp_packet(3, xid, mac, relay, offer[2], offer[3]), xid, 5)
                if ack[1] != NAK:
                    break
                # The offered address went to another machine first: start over (RFC 2131 §4.4.1).
                self.nak_restarts += 1
            address, boot_file = ack[2], ack[4]
            marks.append(loop.time())
            script = bytes((await request(loop, "GET", boot_file, address)).body).decode()
            marks.append(loop.time())
            kernel = re.search(r"(?m)^kernel\s+(?:--name\s+\S+\s+)?(\S+)(.*)$", script)
            initrd = re.search(r"(?m)^initrd\s+(?:--name\s+\S+\s+)?(\S+)", script)
            seed = re.search(r"\bs=(\S+)", kernel.group(2)) if kernel else None
            if not (kernel and initrd and seed):
                raise RuntimeError("boot script without kernel, initrd or seed: %r" % script[:300])
            await request(loop, "GET", kernel.group(1), address, keep=False)
            await request(loop, "GET", initrd.group(1), address, keep=False)
            marks.append(loop.time())
            seed_url = seed.group(1).rstrip("/") + "/"
            await request(loop, "GET", seed_url + "meta-data", address)
            user_data = bytes((await request(loop, "GET", seed_url + "user-data", address)).body).decode()
            marks.append(loop.time())
            url = re.search(r"(?ms)^phone_home:.*?^\s+url:\s*['\"]?([^'\"\s]+)", user_data)
            if not url:
                raise RuntimeError("user-data without a phone_home url")
            form = urllib.parse.urlencode({"instance_id": "storm-%d" % number, "hostname": "storm-%d" % number}).encode()
            await request(loop, "POST", url.group(1), address, body=form, content_type="application/x-www-form-urlencoded")
            marks.append(loop.time())
        except Exception as error:  # noqa: BLE001 -- every failure is counted and reported
            self.failures.append("%s: %s" % (mac, error))
            return
        for phase, (a, b) in zip(PHASES, zip(marks, marks[1:])):
            self.times[phase].append(b - a)
        self.times["total"].append(marks[-1] - start)
        self.reports_done.append(marks[-1])

    async def run(self):
        loop = asyncio.get_running_loop()
        for relay in self.relays:
            self.sockets[relay] = Relay(loop, relay, self.waiting)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        start = loop.time()
        wall_start = time.time()
        await asyncio.gather(*(self.machine(number, start) for number in range(self.args.count)))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        summary = {
            "machines": self.args.count,
            "reported": len(self.reports_done),
            "wall_to_last_report": round(max(self.reports_done) - start, 3) if self.reports_done else None,
            "retransmits": self.retransmits,
            "nak_restarts": self.nak_restarts,
            "failures": len(self.failures),
            "first_failures": self.failures[:5],
            "client_cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 2),
        }
        for phase in PHASES + ["dhcp-wire"]:
            values = sorted(self.times[phase])
            summary[phase] = {"p50": percentile(values, 50), "p99": percentile(values, 99), "max": percentile(values, 100)}
        if self.args.ready_db:
            summary["wall_to_all_ready"] = wait_ready(self.args.ready_db, self.args.count, wall_start, self.args.give_up)
        for relay in self.sockets.values():
            relay.close()
        return summary


def percentile(values, p):
    """Nearest rank, in milliseconds."""
    if not values:
        return None
    rank = max(1, -(-len(values) * p // 100))
    return round(values[int(rank) - 1] * 1000, 1)


def wait_ready(path, count, wall_start, give_up):
    """Seconds from the storm's start to the last machine's `ready` event in provisiond's database,
    once all `count` machines are ready (polled, up to `give_up` seconds); None if they never are."""
    deadline = time.monotonic() + give_up
    database = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        while True:
            ready, last = database.execute("SELECT count(*), max(at) FROM events WHERE to_state = 'ready'").fetchone()
            if ready >= count:
                moment = datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
                return round(moment.timestamp() - wall_start, 3)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
    finally:
        database.close()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "register":
        if len(sys.argv) != 6:
            sys.exit("usage: storm_machines.py register ADMIN_URL TOKEN COUNT PROFILE")
        register(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description="simulated machines booting at once (bench/storm.sh)")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--server", required=True, help="the DHCP server's address (the relays send to port 67)")
    parser.add_argument("--relays", required=True, help="giaddr addresses, comma-separated (local addresses here)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--retransmit", type=float, default=4.0, help="seconds before a DHCP request is sent again")
    parser.add_argument("--give-up", type=float, default=120.0, help="seconds before a machine gives up")
    parser.add_argument("--ready-db", help="provisiond's database: also wait for every machine to be ready")
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    summary = asyncio.run(Storm(args).run())
    json.dump(summary, sys.stdout)
    print()


if __name__ == "__main__":
    main()
