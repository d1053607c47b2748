import Foundation
import Wire

/// `provisionctl image ...` (DESIGN.md §13): images the deploy environment writes to disks.
enum ImageCommands {
    static let all: [Command] = [
        Command(name: "image import", positionals: ["NAME"], valued: ["--url", "--file", "--checksum", "--wait"], switches: [],
                summary: "Import a disk image (qcow2, raw, .xz, .zst): the server converts it to raw, hashes and compresses it.",
                optionHelp: """
                      --url URL          download it (http or https), or
                      --file PATH        take a file on the server's own file system
                      --checksum sha256:HEX  the source's checksum, checked before anything else
                      --wait SECONDS     how long to wait for the server to finish (default 3600; 0: do not wait)

                    """) { context throws(CLIError) in
            let name = context.arguments.positionals[0]
            var body: [(String, JSONValue)] = [("name", .string(name))]
            for (option, field) in [("--url", "url"), ("--file", "file"), ("--checksum", "checksum")] {
                if let value = context.arguments.value(option) { body.append((field, .string(value))) }
            }
            let waitText = context.arguments.value("--wait") ?? "3600"
            guard let wait = Double(waitText), wait >= 0 else { throw CLIError("--wait \"\(waitText)\" must be a number of seconds", usage: true) }
            var image = try context.client.call("POST", "/api/v1/images", body: .object(body))
            // The server works in the background: ask until the image is ready or failed.
            let deadline = Date().addingTimeInterval(wait)
            while image?["state"] == .string("importing"), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.5)
                image = try context.client.call("GET", "/api/v1/images/\(name)")
            }
            let text = try render(image, json: context.json)
            if image?["state"] == .string("failed") { throw CLIError(text.trimmingCharacters(in: .newlines)) }
            return text
        },
        Command(name: "image list", positionals: [], valued: [], switches: [], summary: "List imported images.", optionHelp: "") {
            context throws(CLIError) in
            let images = try context.client.call("GET", "/api/v1/images")?["images"]?.arrayValue ?? []
            if context.json { return JSONValue.array(images).encoded(pretty: true) + "\n" }
            var table = TextTable(["NAME", "STATE", "FORMAT", "RAW", "SHA256", "STORED", "ERROR"])
            for image in images {
                table.add([Render.display(image["name"]), Render.display(image["state"]), Render.display(image["sourceFormat"]),
                           Render.display(image["rawBytes"]), Render.display(image["rawSha256"]), Render.display(image["storedBytes"]),
                           Render.display(image["error"])])
            }
            return table.render()
        },
        Command(name: "image delete", positionals: ["NAME"], valued: [], switches: [], summary: "Delete an image.", optionHelp: "") {
            context throws(CLIError) in
            let name = context.arguments.positionals[0]
            try context.client.call("DELETE", "/api/v1/images/\(name)")
            return context.json ? "{\"deleted\":\(JSONValue.string(name).encoded())}\n" : "deleted image \(name)\n"
        },
    ]

    static func render(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        guard let image = value else { throw CLIError("the server answered no image") }
        if json { return image.encoded(pretty: true) + "\n" }
        let fields = ["name", "state", "source", "sourceChecksum", "sourceFormat", "rawBytes", "rawSha256", "storedBytes", "error", "updatedAt"]
        return fields.map { Render.pad($0 + ":", 16) + Render.display(image[$0]) }.joined(separator: "\n") + "\n"
    }
}
