"""Runs fakepve's own command line with what its flags cannot set, read from the JSON file named
by FAKEPVE_SETUP: API tokens (fakepve has no route that creates one), storage content types, and
faults injected through fakepve's FakePve.fail() (PVE's own error catalogue). Everything else is
fakepve as published."""

import json
import os

import fakepve.__main__ as cli

with open(os.environ['FAKEPVE_SETUP']) as setup_file:
    SETUP = json.load(setup_file)


class ConfiguredPve(cli.FakePve):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apitokens.update(SETUP.get('tokens', {}))
        for storage, content in SETUP.get('content', {}).items():
            self.storages[storage]['content'] = content
        for fault in SETUP.get('faults', []):
            self.fail(fault['method'], fault['suffix'], status=fault.get('status'), message=fault.get('message'),
                      error=fault.get('error'), times=fault.get('times'))


cli.FakePve = ConfiguredPve
cli.main()
