#!/usr/bin/env python3
"""Makes sushy-emulator's fake system a real QEMU machine (PowerCycleReinstallTests).

sushy-tools' fake driver PUTs the system's JSON to EXTERNAL_NOTIFICATION_URL on every change
(fakedriver.py, `external_notifier`). This rig listens there and does what a BMC does to its
machine: a new pending power change starts, stops or resets QEMU at once; a power-on follows
the one-time boot override (`Pxe`: the NIC first, then the override is spent, as firmware does;
otherwise the local disk first). When QEMU ends by itself (the installer powers off), the rig
tells the BMC (ForceOff), so the BMC reports what the machine really is.

usage: power_rig.py CONFIG.json
CONFIG: {"port": N, "qemu": PATH, "network_first": [ARGS], "disk_first": [ARGS], "serial_dir": DIR,
         "bmc": {"system_url": URL, "user": U, "password": P, "ca_file": PEM}}
Prints one line per action on stdout ("boot 2 network", "exited 2 status 0", ...).
"""
import base64
import http.server
import json
import signal
import ssl
import subprocess
import sys
import threading
import urllib.request

config = json.load(open(sys.argv[1]))
lock = threading.Lock()
state = {"qemu": None, "boots": 0, "override": None, "acted": None}


def say(text):
    print(text, flush=True)


def bmc(method, path, body):
    """A request to the emulator, as the machine's BMC firmware would make internally."""
    bmc = config["bmc"]
    request = urllib.request.Request(bmc["system_url"] + path, method=method, data=json.dumps(body).encode())
    token = base64.b64encode(f"{bmc['user']}:{bmc['password']}".encode()).decode()
    request.add_header("Authorization", "Basic " + token)
    request.add_header("Content-Type", "application/json")
    context = ssl.create_default_context(cafile=bmc["ca_file"])
    with urllib.request.urlopen(request, context=context, timeout=30) as reply:
        return reply.status


def start():
    """Powers the machine on (with `lock` held)."""
    if state["qemu"] is not None and state["qemu"].poll() is None:
        return
    state["boots"] += 1
    number = state["boots"]
    network = state["override"] == "Pxe"
    arguments = config["network_first"] if network else config["disk_first"]
    serial = f"{config['serial_dir']}/serial-{number}.log"
    log = open(f"{config['serial_dir']}/qemu-{number}.log", "w")
    process = subprocess.Popen([config["qemu"]] + arguments + ["-serial", f"file:{serial}"],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    state["qemu"] = process
    say(f"boot {number} {'network' if network else 'disk'}")
    threading.Thread(target=watch, args=(process, number), daemon=True).start()
    if network:
        # BootSourceOverrideEnabled=Once: the override is spent by this boot. The emulator keeps
        # its target for good (fakedriver ignores Enabled), so the rig clears it.
        state["override"] = "None"
        threading.Thread(target=bmc, args=("PATCH", "", {"Boot": {"BootSourceOverrideTarget": "None"}}), daemon=True).start()


def stop():
    """Cuts the power (with `lock` held)."""
    process = state["qemu"]
    state["qemu"] = None
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
        say("stopped")


def watch(process, number):
    status = process.wait()
    with lock:
        if state["qemu"] is not process:
            return
        state["qemu"] = None
    say(f"exited {number} status {status}")
    # The machine switched itself off: the BMC sees that.
    try:
        bmc("POST", "/Actions/ComputerSystem.Reset", {"ResetType": "ForceOff"})
    except Exception as error:  # noqa: BLE001 - reported, the test reads it
        say(f"could not tell the BMC: {error}")


class Notifications(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        system = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.send_response(204)
        self.end_headers()
        with lock:
            # Notifications come in the order of the emulator's changes: the last one holds its
            # boot override now.
            state["override"] = system.get("boot_device")
            pending = system.get("pending_power")
            # Every change of the system is notified, the pending power with it until it is
            # applied: each pending command is acted on once.
            if not pending or pending == state["acted"]:
                return
            state["acted"] = dict(pending)
            command = pending.get("power_state", "")
            say(f"command {command}")
            if "Restart" in command:
                stop()
                start()
            elif command == "On":
                start()
            elif command == "Off":
                stop()

    def log_message(self, *arguments):
        pass


# SIGTERM ends serve_forever through SystemExit, so the machine is switched off on the way out.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = http.server.ThreadingHTTPServer(("127.0.0.1", config["port"]), Notifications)
say("ready")
try:
    server.serve_forever()
finally:
    with lock:
        stop()
