import Wire

/// The file the deploy environment writes into the installed system after writing its image
/// (issue 14): it points the image's own cloud-init at provisiond's NoCloud URL, with no kernel
/// command line or SMBIOS serial to carry the seed. The one place that decides its path and form.
///
/// `datasource_list` with one datasource (and `None`) makes ds-identify pick NoCloud without
/// probing for it; `seedfrom` in the datasource's configuration is an http URL, which only the
/// network stage's NoCloud reads (local mode supports `/` and `file://` seeds only), so the data
/// is fetched once the network is up, in network mode, on cloud-init 22.4 and 24.1+ alike.
public enum NoCloudSeedConfig {
    /// cloud.cfg.d files are read in name order; 99 comes after the image's own (Debian's
    /// `90_dpkg.cfg` sets its own `datasource_list`).
    public static let path = "/etc/cloud/cloud.cfg.d/99-provisiond-nocloud.cfg"

    public static func content(seedURL: String) -> String {
        // A JSON string is a YAML double-quoted scalar: the URL's `:` cannot split it.
        let url = JSONValue.string(seedURL).encoded()
        return """
            # Written by provisiond's deploy environment: this system's cloud-init reads its
            # configuration from provisiond (NoCloud over HTTP).
            datasource_list: [ NoCloud, None ]
            datasource:
              NoCloud:
                seedfrom: \(url)

            """
    }
}
