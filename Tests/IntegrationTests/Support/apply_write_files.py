"""Applies a cloud-config's write_files (path, content, permissions) and prints its runcmd, one
command per line: the two cloud-init modules the k3s profiles use, for K3sJoinTests."""
import os
import sys

import yaml

config = yaml.safe_load(open(sys.argv[1]))
for entry in config.get("write_files", []):
    path = entry["path"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(entry["content"])
    os.chmod(path, int(entry.get("permissions", "0644"), 8))
for command in config.get("runcmd", []):
    print(" ".join(command) if isinstance(command, list) else command)
