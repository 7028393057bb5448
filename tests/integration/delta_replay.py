"""Replays a Delta table's JSON commits independently of pinpipe (PROTOCOL.md, "Action
Reconciliation"): the tests compare what the server says of a table with this."""
import json


def replay_commits(commits, version):
    """commits: (version, text of its NNN.json) pairs in version order. Returns the active adds
    by path, the protocol and metaData actions in force at `version`, and every commit's
    commitInfo timestamp (all versions, for timestamp-as-of checks)."""
    adds, protocol, meta, times = {}, None, None, {}
    for v, text in commits:
        for a in map(json.loads, filter(None, text.splitlines())):
            if "commitInfo" in a:
                times[v] = a["commitInfo"]["timestamp"]
            if v > version:
                continue
            if "add" in a:
                adds[a["add"]["path"]] = a["add"]
            elif "remove" in a:
                adds.pop(a["remove"]["path"], None)
            elif "protocol" in a:
                protocol = a["protocol"]
            elif "metaData" in a:
                meta = a["metaData"]
    return adds, protocol, meta, times
