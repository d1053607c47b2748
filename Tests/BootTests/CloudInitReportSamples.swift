/// Reports as machines send them: `/run/cloud-init/result.json` and `cloud-init status --format
/// json` of cloud-init 22.4 (Debian 12) and 25.x (Debian 13). The 22.4 error entries were made by
/// cloud-init 22.4.2's own classes (`str((name, ProcessExecutionError(...)))`, as
/// cmd/main.py's status_wrapper stores them).
enum CloudInitReportSamples {
    static let datasource = "DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/52:54:00:12:34:56/][dsmode=net]"

    /// apt-get install exit 100 (a package no mirror has), and a runcmd command that failed.
    static let aptError22 = #"('package_update_upgrade_install', ProcessExecutionError(\"Unexpected error while running command.\\nCommand: ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet', 'install', 'qemu-guest-agent']\\nExit code: 100\\nReason: -\\nStdout: Reading package lists...\\n        Building dependency tree...\\nStderr: E: Unable to locate package qemu-guest-agent\"))"#
    static let runcmdError = #"('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))"#

    static let result22Clean = #"""
        {
         "v1": {
          "datasource": "DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/52:54:00:12:34:56/][dsmode=net]",
          "errors": []
         }
        }
        """#

    static let result22Failed = """
        {
         "v1": {
          "datasource": "\(datasource)",
          "errors": [
           "\(aptError22)",
           "\(runcmdError)"
          ]
         }
        }
        """

    /// cloud-init 22.4's `status --format json` after the same failures (cmd/status.py: detail is
    /// the errors joined by line breaks when there are errors).
    static let status22Failed = """
        {
          "_schema_version": "1",
          "boot_status_code": "enabled-by-generator",
          "datasource": "nocloud",
          "detail": "\(aptError22)\\n\(runcmdError)",
          "errors": [
            "\(aptError22)",
            "\(runcmdError)"
          ],
          "last_update": "Mon, 30 Nov 2026 02:41:07 +0000",
          "schemas": {"1": {"boot_status_code": "enabled-by-generator", "datasource": "nocloud", "errors": [], "last_update": "", "status": "error"}},
          "status": "error"
        }
        """

    /// cloud-init 24.1+ installs packages through its package managers and raises
    /// PackageInstallerError for what none of them could install.
    static let packagesError25 = #"('package_update_upgrade_install', PackageInstallerError(\"Failed to install the following packages: ['qemu-guest-agent']. See associated package manager logs for more details.\"))"#

    static let result25Clean = """
        {
          "v1": {
            "datasource": "\(datasource)",
            "errors": [],
            "recoverable_errors": {"DEPRECATED": ["Deprecated cloud-config provided: chpasswd.list"]}
          }
        }
        """

    static let status25Done = """
        {
          "boot_status_code": "enabled-by-generator",
          "datasource": "nocloud",
          "detail": "\(datasource)",
          "errors": [],
          "extended_status": "degraded done",
          "init": {"errors": [], "finished": 12.5, "recoverable_errors": {}, "start": 9.1},
          "init-local": {"errors": [], "finished": 4.2, "recoverable_errors": {}, "start": 3.9},
          "last_update": "Mon, 30 Nov 2026 02:44:10 +0000",
          "modules-config": {"errors": [], "finished": 20.0, "recoverable_errors": {}, "start": 14.0},
          "modules-final": {"errors": [], "finished": 30.0, "recoverable_errors": {"WARNING": ["Running module ssh_authkey_fingerprints failed"]}, "start": 21.0},
          "recoverable_errors": {"WARNING": ["Running module ssh_authkey_fingerprints failed"]},
          "stage": null,
          "status": "done"
        }
        """

    static let status25Failed = """
        {
          "boot_status_code": "enabled-by-generator",
          "datasource": "nocloud",
          "detail": "\(datasource)",
          "errors": ["\(packagesError25)", "\(runcmdError)"],
          "extended_status": "error - done",
          "last_update": "Mon, 30 Nov 2026 02:46:33 +0000",
          "recoverable_errors": {"WARNING": ["Failed to install packages: ['qemu-guest-agent']"]},
          "stage": null,
          "status": "error"
        }
        """

    static let status25Running = #"{"status": "running", "extended_status": "running", "errors": [], "datasource": "nocloud"}"#
}
