import Wire

/// Puts a template made from a cloud image on nodes: download-url into the import storage, create
/// with import-from, convert to a template. Idempotent: a node whose template was made from the
/// same image is left alone; a half-made or different one is reported, or replaced on request.
public struct TemplateRollout: Sendable {
    public struct Result: Sendable, Equatable {
        public enum Status: String, Sendable { case created, unchanged, replaced, failed }
        public let node: String
        public let vmid: Int?
        public let status: Status
        public let error: String?
    }

    let client: ProxmoxClient
    let allocator: VMIDAllocator
    let image: TemplateImage
    let replace: Bool
    let log: @Sendable (String, [(String, String)]) -> Void

    public init(client: ProxmoxClient, allocator: VMIDAllocator, image: TemplateImage, replace: Bool,
                log: @escaping @Sendable (String, [(String, String)]) -> Void) {
        self.client = client
        self.allocator = allocator
        self.image = image
        self.replace = replace
        self.log = log
    }

    /// The online nodes of the cluster (`GET /nodes`).
    public static func onlineNodes(_ client: ProxmoxClient) throws(ProxmoxError) -> [String] {
        let nodes = try client.get("/nodes").arrayValue ?? []
        return nodes.filter { $0["status"]?.stringValue == "online" }.compactMap { $0["node"]?.stringValue }.sorted()
    }

    /// One result per node, in order; a failing node does not stop the others.
    public func run(nodes: [String], vmid: Int?) -> [Result] {
        nodes.map { node in
            do throws(ProxmoxError) {
                return try rollout(node, vmid: vmid)
            } catch {
                log("template-failed", [("node", node), ("template", image.name), ("error", error.description)])
                return Result(node: node, vmid: nil, status: .failed, error: error.description)
            }
        }
    }

    private func rollout(_ node: String, vmid preferred: Int?) throws(ProxmoxError) -> Result {
        let base = "/nodes/\(ProxmoxClient.segment(node))"
        var replaced = false
        if let existing = try existingGuest(node) {
            let config = try client.get("\(base)/qemu/\(existing.vmid)/config")
            switch image.classify(isTemplate: existing.isTemplate, description: config["description"]?.stringValue) {
            case .current:
                log("template-unchanged", [("node", node), ("template", image.name), ("vmid", String(existing.vmid))])
                return Result(node: node, vmid: existing.vmid, status: .unchanged, error: nil)
            case .halfMade where !replace:
                throw .invalid("VM \(existing.vmid) named \(image.name) on \(node) is a half-made template (not converted): rerun with --replace to remove and remake it")
            case .different where !replace:
                throw .invalid("template \(image.name) (vmid \(existing.vmid)) on \(node) was made from another image: rerun with --replace")
            case .halfMade, .different:
                try client.task("DELETE", "\(base)/qemu/\(existing.vmid)", [("purge", .bool(true)), ("destroy-unreferenced-disks", .bool(true))])
                log("template-removed", [("node", node), ("template", image.name), ("vmid", String(existing.vmid))])
                replaced = true
            }
        }
        try download(node)
        let vmid = try allocator.allocate(preferred: preferred, purpose: "template \(image.name) on \(node)")
        defer { allocator.ledger.release(endpoint: client.endpoint.name, vmid: vmid) }
        try client.task("POST", "\(base)/qemu", image.createParameters(vmid: vmid))
        try client.task("POST", "\(base)/qemu/\(vmid)/template")
        log("template-created", [("node", node), ("template", image.name), ("vmid", String(vmid))])
        return Result(node: node, vmid: vmid, status: replaced ? .replaced : .created, error: nil)
    }

    /// The image in the import storage, downloaded unless it is there already.
    private func download(_ node: String) throws(ProxmoxError) {
        let storage = "/nodes/\(ProxmoxClient.segment(node))/storage/\(ProxmoxClient.segment(image.importStorage))"
        let content = try client.get("\(storage)/content", [("content", .text("import"))]).arrayValue ?? []
        if content.contains(where: { $0["volid"]?.stringValue == image.importVolume }) { return }
        log("image-download", [("node", node), ("url", image.imageURL), ("volume", image.importVolume)])
        try client.task("POST", "\(storage)/download-url", image.downloadParameters)
    }

    private func existingGuest(_ node: String) throws(ProxmoxError) -> (vmid: Int, isTemplate: Bool)? {
        let guests = try client.get("/nodes/\(ProxmoxClient.segment(node))/qemu").arrayValue ?? []
        guard let guest = guests.first(where: { $0["name"]?.stringValue == image.name }),
              let vmid = ProxmoxJSON.int(guest["vmid"]) else { return nil }
        return (vmid, ProxmoxJSON.int(guest["template"]) == 1)
    }
}
