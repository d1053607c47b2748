#!/usr/bin/env python3
"""Registers N machines through provisiond's admin API over keep-alive connections, then reads
them back one by one and as a list. Prints one line per phase: count, seconds, requests/s.

usage: admin_load.py HOST PORT TOKEN [COUNT] [CONNECTIONS]
"""
import http.client
import json
import sys
import threading
import time


def mac_of(number):
    return "52:54:%02x:%02x:%02x:%02x" % ((number >> 24) & 0xFF, (number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF)


def worker(host, port, token, numbers, method, errors):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    for number in numbers:
        if method == "POST":
            body = json.dumps({"mac": mac_of(number), "hostname": "bench-%d" % number, "profile": "local-disk",
                               "labels": {"rack": "r%d" % (number % 40)}})
            connection.request("POST", "/api/v1/machines", body=body, headers=headers)
            expected = 201
        else:
            connection.request("GET", "/api/v1/machines/" + mac_of(number), headers=headers)
            expected = 200
        response = connection.getresponse()
        response.read()
        if response.status != expected:
            errors.append((number, response.status))
    connection.close()


def phase(name, host, port, token, count, connections, method):
    errors = []
    threads = []
    started = time.monotonic()
    for index in range(connections):
        numbers = range(index, count, connections)
        thread = threading.Thread(target=worker, args=(host, port, token, numbers, method, errors))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    print("%-10s count=%d connections=%d seconds=%.2f rate=%.0f/s errors=%d"
          % (name, count, connections, seconds, count / seconds, len(errors)))
    if errors:
        print("first errors:", errors[:5], file=sys.stderr)
        sys.exit(1)


def main():
    host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    connections = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    phase("register", host, port, token, count, connections, "POST")
    phase("get", host, port, token, count, connections, "GET")
    connection = http.client.HTTPConnection(host, port, timeout=60)
    started = time.monotonic()
    connection.request("GET", "/api/v1/machines", headers={"Authorization": "Bearer " + token})
    response = connection.getresponse()
    machines = json.loads(response.read())["machines"]
    seconds = time.monotonic() - started
    print("%-10s count=%d seconds=%.3f bytes=%s" % ("list", len(machines), seconds, response.getheader("Content-Length")))
    if len(machines) < count:
        print("list returned %d machines, expected %d" % (len(machines), count), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
