/// The one NoCloud seed string provisiond hands out, wherever a machine's cloud-init finds it:
/// the SMBIOS system serial of a Proxmox clone and a kernel command line (`{{ nocloud_seed }}`).
///
///     ds=nocloud;s=http://SERVER/cloud-init/MAC/;dsmode=net
///
/// Proven on Debian's cloud-init 22.4 and 25.1 (Tests/IntegrationTests/CloudImageTests):
/// - 22.4 (DataSourceNoCloud.load_cmdline_data) gives `ds=nocloud` dsmode `local` unless the
///   string names a `dsmode`; in local mode the network stage drops what it fetched from an
///   HTTP seed ("Exiting. datasource ... in local mode", "Used fallback datasource"). Its
///   `ds=nocloud-net` would work, and so does an explicit `dsmode=net`.
/// - 24.1+ deprecates the `nocloud-net` name (a DEPRECATED line, status `degraded done`); with
///   `ds=nocloud` it takes the mode from the seed's scheme, and an explicit `dsmode` still wins
///   ("if dsmode was explicitly in the command line, then prefer it"), so `dsmode=net` is the
///   same choice it would make, with no deprecation.
/// Both versions' ds-identify find NoCloud by `ds=nocloud` at the start of the DMI serial or
/// as a kernel command line word; the keys after `;` are read in any order.
public enum NoCloudSeedForm {
    public static func text(seedURL: String) -> String {
        "ds=nocloud;s=\(seedURL);dsmode=net"
    }
}
