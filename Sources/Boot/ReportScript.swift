/// The program a machine's cloud-init installs to tell provisiond its verdict (DESIGN.md §12),
/// and the systemd unit that runs it once cloud-init's final stage is over. Templates see both as
/// `report` (`report.script`, `report.unit`, their paths and the unit's name) and write them
/// with write_files; runcmd queues the unit.
///
/// Python 3 with its standard library only: it is there wherever cloud-init is (cloud-init is
/// Python), curl may not be.
public enum ReportScript {
    public static let scriptPath = "/usr/local/sbin/provisiond-report"
    public static let unitName = "provisiond-report.service"
    public static let unitPath = "/etc/systemd/system/provisiond-report.service"

    /// The unit. runcmd runs inside cloud-final.service, so `systemctl start --no-block` there
    /// queues a job that `After=` holds until cloud-final.service has finished, which is when
    /// cloud-init has written /run/cloud-init/result.json (cloudinit/cmd/main.py, at the end of
    /// modules-final). A blocking start would deadlock (cloud-final waits for runcmd, the job for
    /// cloud-final: ubuntu-advantage.service met exactly this with After=cloud-config.service,
    /// LP #2050022). No Wants=/WantedBy=: cloud-final is After=multi-user.target, and the unit is
    /// not enabled, so it reports this install once, not every boot.
    public static let unit = """
        [Unit]
        Description=Report cloud-init's verdict to provisiond
        After=cloud-final.service

        [Service]
        Type=oneshot
        ExecStart=\(scriptPath)
        StandardOutput=journal+console

        """

    /// The script for one machine: its phone-home and failure URLs (with its install token) are
    /// written in as Python string literals (JSON's string syntax is a subset of Python's).
    public static func script(phoneHomeURL: String, failedURL: String) -> String {
        """
        #!/usr/bin/python3
        # provisiond-report: tells provisiond cloud-init's verdict on this install (written by
        # cloud-init from provisiond's user-data; run by \(unitName) after cloud-final).
        #   provisiond-report                  posts /run/cloud-init/result.json to phone-home
        #   provisiond-report --result FILE    posts FILE instead
        #   provisiond-report --failed REASON  reports a failure at once (e.g. from a runcmd script)
        import json
        import subprocess
        import sys
        import time
        import urllib.error
        import urllib.request

        PHONE_HOME_URL = \(TemplateEscaping.quoteJSON(phoneHomeURL))
        FAILED_URL = \(TemplateEscaping.quoteJSON(failedURL))
        RESULT = "/run/cloud-init/result.json"
        # How long to wait for result.json, and to keep trying while provisiond is unreachable.
        RESULT_WAIT = 600
        RETRY_FOR = 900


        def log(message):
            print("provisiond-report: " + message, flush=True)


        def verdict(path):
            # cloud-init writes result.json when its final stage ends; the unit runs after that,
            # so waiting here only covers a start by hand.
            deadline = time.monotonic() + RESULT_WAIT
            while True:
                try:
                    with open(path, "rb") as result:
                        return result.read()
                except FileNotFoundError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(5)
            # No result.json: cloud-init's own status says why (its JSON is the verdict either way;
            # it exits non-zero on errors).
            log(path + " is missing, reporting `cloud-init status --format json`")
            return subprocess.run(["cloud-init", "status", "--format", "json"], stdout=subprocess.PIPE).stdout


        def post(url, body, retry_for):
            deadline = time.monotonic() + retry_for
            delay = 2
            while True:
                request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        log("reported: %d %s" % (response.status, response.read(300).decode("utf-8", "replace")))
                        return 0
                except urllib.error.HTTPError as error:
                    answer = error.read(300).decode("utf-8", "replace")
                    if error.code < 500:
                        # Refused (token, state, malformed report): the same report again changes nothing.
                        log("provisiond refused the report: %d %s" % (error.code, answer))
                        return 1
                    log("provisiond answered %d, retrying: %s" % (error.code, answer))
                except OSError as error:
                    log("cannot reach provisiond (%s), retrying" % error)
                if time.monotonic() + delay > deadline:
                    log("giving up after %d s" % retry_for)
                    return 1
                time.sleep(delay)
                delay = min(delay * 2, 60)


        def main(args):
            if len(args) == 2 and args[0] == "--failed":
                return post(FAILED_URL, json.dumps({"message": args[1]}).encode(), 120)
            if len(args) == 2 and args[0] == "--result":
                return post(PHONE_HOME_URL, verdict(args[1]), RETRY_FOR)
            if not args:
                return post(PHONE_HOME_URL, verdict(RESULT), RETRY_FOR)
            log("usage: provisiond-report [--result FILE | --failed REASON]")
            return 2


        sys.exit(main(sys.argv[1:]))

        """
    }
}
