#!/usr/bin/env python3
"""A swarm of TFTP clients that fetch at once, as machines booting together do: each sends an RRQ
with blksize (and tsize 0, as PXE firmware does) and acknowledges every block in lock-step,
resending its last packet after a silent second (RFC 1350), up to 5 times. Client i binds source
address 127.0.X.Y of its own (loopback, 127/8), so a server sees one address per machine.

While they run, the server's process tree (--watch PID: it and its descendants, for servers that
fork per transfer) is sampled every 20 ms: peak threads, processes, and RSS and PSS summed
over the processes (summed RSS counts pages that forked children share once per process; PSS
divides them among the sharers).
Prints one JSON object: clients, ok, failed, retransmits, wall_s (first RRQ to last transfer's
end), server_cpu_s (the watched tree's CPU time meanwhile), peak_threads, peak_processes,
peak_rss_kib, peak_pss_kib, idle_threads, idle_rss_kib, errors.

usage: tftp_swarm.py --port P --file NAME=LOCAL [--file ...] [--clients N] [--host H]
                     [--blksize B] [--workers K] [--watch PID] [--deadline SECONDS]
Client i fetches the (i mod files)-th file and checks it against LOCAL byte for byte.
"""
import argparse
import asyncio
import json
import os
import socket
import struct
import sys
import time


def rrq(name, blksize):
    options = b"octet\0blksize\0%d\0tsize\0000\0" % blksize
    return struct.pack("!H", 1) + name.encode() + b"\0" + options


class Fetch(asyncio.DatagramProtocol):
    """One lock-step read transfer."""

    def __init__(self, server, name, expected, blksize, done):
        self.server, self.name, self.expected, self.blksize, self.done = server, name, expected, blksize, done
        self.peer = None
        self.received = bytearray()
        self.block = 0
        self.last = None
        self.retransmits = 0
        self.tries = 0
        self.timer = None
        self.size = 512

    def connection_made(self, transport):
        self.transport = transport
        self.send(rrq(self.name, self.blksize), self.server)

    def send(self, packet, to):
        self.last = (packet, to)
        self.tries = 0
        self.transport.sendto(packet, to)
        self.arm()

    def arm(self):
        if self.timer:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(1.0, self.silent)

    def silent(self):
        if self.done.done():
            return
        self.tries += 1
        if self.tries > 5:
            return self.finish("timed out")
        self.retransmits += 1
        self.transport.sendto(*self.last)
        self.arm()

    def finish(self, error):
        if self.timer:
            self.timer.cancel()
        self.transport.close()
        if not self.done.done():
            self.done.set_result((error, self.retransmits))

    def datagram_received(self, data, source):
        if self.done.done() or len(data) < 4:
            return
        if self.peer is None:
            self.peer = source
        elif source != self.peer:
            return
        opcode, number = struct.unpack("!HH", data[:4])
        if opcode == 6:  # OACK
            options = data[2:].split(b"\0")
            for key, value in zip(options[::2], options[1::2]):
                if key.lower() == b"blksize":
                    self.size = int(value)
            if self.block == 0:
                self.send(struct.pack("!HH", 4, 0), source)
        elif opcode == 3:  # DATA
            if number == (self.block + 1) & 0xFFFF:
                self.block += 1
                self.received += data[4:]
                self.send(struct.pack("!HH", 4, number), source)
                if len(data) - 4 < self.size:
                    self.finish(None if self.received == self.expected else "content differs (%d bytes)" % len(self.received))
        elif opcode == 5:
            self.finish("ERROR %d %s" % (number, data[4:].rstrip(b"\0").decode(errors="replace")))


async def fetch(index, args, files, start_at):
    name, expected = files[index % len(files)]
    source = "127.%d.%d.%d" % (1 + index // 62500, (index // 250) % 250, 2 + index % 250)
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0, start_at - time.time()))
    done = loop.create_future()
    await loop.create_datagram_endpoint(lambda: Fetch((args.host, args.port), name, expected, args.blksize, done),
                                        local_addr=(source, 0))
    error, retransmits = await done
    return error, retransmits, time.time()


async def swarm(indices, args, files, start_at):
    return await asyncio.gather(*(fetch(i, args, files, start_at) for i in indices))


def tree(root):
    """The pids of root and its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def sample(root, cpu):
    """(threads, processes, summed RSS KiB, summed PSS KiB) of root's process tree; records each
    process's CPU ticks so far in `cpu` (pid → ticks), so processes that exit between samples
    (tftpd-hpa's per-transfer children) still count, less their last 20 ms at most."""
    threads = rss = pss = processes = 0
    for pid in tree(root):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("Threads:"):
                        threads += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[pid] = int(fields[11]) + int(fields[12])
            processes += 1
        except (OSError, IndexError, ValueError):
            pass
    return threads, processes, rss, pss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", action="append", required=True)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--blksize", type=int, default=1468)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--watch", type=int)
    parser.add_argument("--deadline", type=float, default=300)
    args = parser.parse_args()
    files = []
    for item in args.file:
        name, local = item.split("=", 1)
        with open(local, "rb") as f:
            files.append((name, f.read()))
    cpu = {}
    idle = sample(args.watch, cpu) if args.watch else (0, 0, 0, 0)
    cpu_before = sum(cpu.values())
    start_at = time.time() + 0.3
    readers = []
    for worker in range(args.workers):
        read, write = os.pipe()
        if os.fork() == 0:
            os.close(read)
            indices = range(worker, args.clients, args.workers)
            results = asyncio.run(asyncio.wait_for(swarm(indices, args, files, start_at), args.deadline))
            os.write(write, json.dumps(results).encode())
            os._exit(0)
        os.close(write)
        readers.append(read)
    peak = idle
    chunks = {read: b"" for read in readers}
    open_readers = list(readers)
    while open_readers:
        if args.watch:
            now = sample(args.watch, cpu)
            peak = tuple(max(a, b) for a, b in zip(peak, now))
        for read in list(open_readers):
            os.set_blocking(read, False)
            try:
                data = os.read(read, 1 << 20)
            except BlockingIOError:
                continue
            if data:
                chunks[read] += data
            else:
                open_readers.remove(read)
        time.sleep(0.02)
    for _ in readers:
        os.wait()
    if args.watch:
        sample(args.watch, cpu)
    cpu_seconds = (sum(cpu.values()) - cpu_before) / os.sysconf("SC_CLK_TCK")
    results = [r for read in readers for r in json.loads(chunks[read] or b"[]")]
    errors = {}
    for error, _, _ in results:
        if error:
            errors[error] = errors.get(error, 0) + 1
    ok = sum(1 for error, _, _ in results if error is None)
    print(json.dumps({
        "clients": args.clients, "ok": ok, "failed": args.clients - ok,
        "retransmits": sum(r for _, r, _ in results),
        "wall_s": round(max((end for _, _, end in results), default=start_at) - start_at, 3),
        "server_cpu_s": round(cpu_seconds, 2), "peak_threads": peak[0], "peak_processes": peak[1], "peak_rss_kib": peak[2], "peak_pss_kib": peak[3],
        "idle_threads": idle[0], "idle_rss_kib": idle[2], "errors": errors}))
    sys.exit(0 if ok == args.clients else 1)


if __name__ == "__main__":
    main()
