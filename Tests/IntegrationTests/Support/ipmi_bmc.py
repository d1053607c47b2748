"""A simulated IPMI v2.0 BMC for IPMIPowerTests: pyghmi's BMC server class (PyPI pyghmi) on
127.0.0.1, one user, a chassis that starts off. It prints one line per change it is asked for, so
the test reads what ipmitool really sent:
  listening PORT | power on | power off | power cycle | bootdev DEVICE efi=0|1 persistent=0|1
A cycle of a chassis that is off is refused with completion code 0xD5 ("not supported in present
state"), as BMCs do (IPMI v2.0 section 28.3).

usage: ipmi_bmc.py USER PASSWORD
"""
import sys

import pyghmi.ipmi.bmc as bmc
from pyghmi.ipmi.command import boot_devices


class SimulatedBmc(bmc.Bmc):
    powered = False

    def say(self, line):
        print(line, flush=True)

    def get_power_state(self):
        return 'on' if self.powered else 'off'

    def power_on(self):
        self.powered = True
        self.say('power on')

    def power_off(self):
        self.powered = False
        self.say('power off')

    def power_cycle(self):
        if not self.powered:
            return 0xd5
        self.say('power cycle')

    def set_system_boot_options(self, request, session):
        data = request['data']
        if data[0] == 5:  # boot flags (IPMI v2.0 table 28-14)
            device = (data[2] >> 2) & 0b1111
            names = [name for name, value in boot_devices.items() if value == device << 2]
            self.say('bootdev %s efi=%d persistent=%d' % (names[0] if names else device, (data[1] >> 5) & 1, (data[1] >> 6) & 1))
            session.send_ipmi_response()
        else:
            super().set_system_boot_options(request, session)


def main():
    user, password = sys.argv[1], sys.argv[2]
    server = SimulatedBmc({user: password}, port=0, address='127.0.0.1')
    # pyghmi files sessions under the port it was given and looks them up under the socket's
    # real one: with port 0 (any free port) they must be the same.
    server.port = server.serversocket.getsockname()[1]
    print('listening %d' % server.port, flush=True)
    server.listen()


if __name__ == '__main__':
    main()
