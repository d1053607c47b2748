import Foundation

/// A VM template made from a cloud image: what `download-url` fetches and what the create
/// request says (PVE 8.2+ `import-from`, qemu-server API2/Qemu.pm create_vm).
public struct TemplateImage: Sendable, Equatable {
    public let name: String
    public let imageURL: String
    /// `ALGORITHM:HEX`, e.g. `sha256:9f86...`.
    public let checksum: String?
    /// Where the VM's disks go (content `images`).
    public let storage: String
    /// Where the image is downloaded (a file storage with content `import`).
    public let importStorage: String
    public var bridge = "vmbr0"

    /// download-url's checksum-algorithm enum.
    static let algorithms: Set<String> = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]

    public init(name: String, imageURL: String, checksum: String?, storage: String, importStorage: String?) throws(ProxmoxError) {
        guard !name.isEmpty, name.count <= 63, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }),
              name.first?.isLetter == true || name.first?.isNumber == true
        else { throw .invalid("bad template name \"\(name)\": PVE VM names are DNS names (letters, digits, '-', '.')") }
        guard let url = URL(string: imageURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw .invalid("bad image URL \"\(imageURL)\": expected http:// or https://")
        }
        if let checksum {
            let parts = checksum.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.algorithms.contains(parts[0].lowercased()), !parts[1].isEmpty, parts[1].allSatisfy(\.isHexDigit) else {
                throw .invalid("bad checksum \"\(checksum)\": expected ALGORITHM:HEX with one of \(Self.algorithms.sorted().joined(separator: ", "))")
            }
        }
        for store in [storage, importStorage].compactMap({ $0 }) where store.isEmpty || store.contains(where: { $0 == ":" || $0 == "," || $0.isWhitespace }) {
            throw .invalid("bad storage name \"\(store)\"")
        }
        self.name = name
        self.imageURL = imageURL
        self.checksum = checksum?.lowercased()
        self.storage = storage
        self.importStorage = importStorage ?? storage
    }

    /// The template's description: how a later rollout recognises it as made from this image.
    public var marker: String { "provisiond template image=\(imageURL) checksum=\(checksum ?? "none")" }

    /// The downloaded file: the import content type wants `.qcow2` (or .raw/.vmdk), and a new
    /// image gets a new name (download-url refuses to overwrite).
    public var fileName: String {
        let digest = SHA256.hash(Array(marker.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        return "provisiond-\(name)-\(digest).qcow2"
    }

    public var importVolume: String { "\(importStorage):import/\(fileName)" }

    public var downloadParameters: ProxmoxClient.Parameters {
        var parameters: ProxmoxClient.Parameters = [("content", .text("import")), ("filename", .text(fileName)), ("url", .text(imageURL))]
        if let checksum {
            let parts = checksum.split(separator: ":", maxSplits: 1).map(String.init)
            parameters += [("checksum", .text(parts[1])), ("checksum-algorithm", .text(parts[0]))]
        }
        return parameters
    }

    public func createParameters(vmid: Int) -> ProxmoxClient.Parameters {
        [
            ("vmid", .int(vmid)), ("name", .text(name)), ("description", .text(marker)), ("ostype", .text("l26")),
            ("scsihw", .text("virtio-scsi-pci")),
            // Size 0 with import-from: the disk is the imported image (PVE >= 8.2).
            ("scsi0", .text("\(storage):0,import-from=\(importVolume)")),
            ("ide2", .text("\(storage):cloudinit")),
            ("serial0", .text("socket")), ("vga", .text("serial0")), ("agent", .text("1")),
            ("boot", .text("order=scsi0")), ("net0", .text("virtio,bridge=\(bridge)")),
        ]
    }

    /// What an existing guest with the template's name is to this rollout.
    public enum Existing: Equatable, Sendable {
        case current
        /// A VM that never became a template (a rollout stopped half-way).
        case halfMade
        /// A template made from another image or checksum.
        case different
    }

    public func classify(isTemplate: Bool, description: String?) -> Existing {
        guard isTemplate else { return .halfMade }
        return description?.trimmingCharacters(in: .whitespacesAndNewlines) == marker ? .current : .different
    }
}
