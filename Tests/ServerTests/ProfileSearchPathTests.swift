import Foundation
import TestSupport
import Testing

@testable import Server

/// Profiles and templates from several directories, as an installed provisiond reads them
/// (`/etc/provisiond/...` before `/usr/local/share/provisiond/...`): the first directory holding a
/// name wins, for profiles and for templates alike.
@Suite("Profiles and templates from a search path")
struct ProfileSearchPathTests {
    /// A shipped tree with profiles a and b and template t.yaml, and an operator's tree.
    func trees() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for tree in ["shipped/profiles", "shipped/cloud-init", "etc/profiles", "etc/cloud-init"] {
            try FileManager.default.createDirectory(atPath: directory.file(tree), withIntermediateDirectories: true)
        }
        _ = try directory.write("shipped/profiles/a.json", #"{"description": "shipped a", "userData": "t.yaml"}"#)
        _ = try directory.write("shipped/profiles/b.json", #"{"description": "shipped b", "userData": "t.yaml"}"#)
        _ = try directory.write("shipped/cloud-init/t.yaml", "#cloud-config\nhostname: shipped\n")
        return directory
    }

    func load(_ directory: TemporaryDirectory) throws -> ProfileCatalog {
        try ProfileCatalog.load(directories: [directory.file("etc/profiles"), directory.file("shipped/profiles")],
                                cloudInitDirectories: [directory.file("etc/cloud-init"), directory.file("shipped/cloud-init")])
    }

    @Test("an operator's profile of the same name wins; the others come from the shipped directory")
    func operatorProfileWins() throws {
        let directory = try trees()
        _ = try directory.write("etc/profiles/a.json", #"{"description": "mine"}"#)
        _ = try directory.write("etc/profiles/c.json", #"{"description": "only mine"}"#)
        let catalog = try load(directory)
        #expect(catalog.profiles.keys.sorted() == ["a", "b", "c"])
        #expect(catalog.profile("a")?.profile.description == "mine")
        #expect(catalog.profile("b")?.profile.description == "shipped b")
    }

    @Test("an operator's template of the same name wins, also for shipped profiles")
    func operatorTemplateWins() throws {
        let directory = try trees()
        let machine = ShippedProfilesTests.machine
        #expect(try load(directory).profile("a")?.render(.userData, machine: machine, serverURL: "http://s") == "#cloud-config\nhostname: shipped\n")
        _ = try directory.write("etc/cloud-init/t.yaml", "#cloud-config\nhostname: mine\n")
        #expect(try load(directory).profile("b")?.render(.userData, machine: machine, serverURL: "http://s") == "#cloud-config\nhostname: mine\n")
    }

    @Test("a template found in no directory is an error listing every place looked")
    func missingTemplateNamesEveryPlace() throws {
        let directory = try trees()
        _ = try directory.write("etc/profiles/x.json", #"{"userData": "nowhere.yaml"}"#)
        #expect {
            _ = try load(directory)
        } throws: { error in
            "\(error)".contains("cannot read template nowhere.yaml: not found (looked in \(directory.file("etc/cloud-init/nowhere.yaml")), "
                + "\(directory.file("shipped/cloud-init/nowhere.yaml")))")
        }
    }

    @Test("flags take DIR:DIR, the config file a JSON array; named directories must exist")
    func configuredSearchPaths() throws {
        let directory = try trees()
        let fromFlags = try loadedConfig(["--profiles-dir", "/etc/p:/usr/share/p", "--cloud-init-dir", "/etc/c:/usr/share/c"])
        #expect(fromFlags.resolvedProfilesDirs == ["/etc/p", "/usr/share/p"])
        #expect(fromFlags.resolvedCloudInitDirs == ["/etc/c", "/usr/share/c"])
        let path = try directory.write("config.json", #"{"profilesDir": ["/etc/p", "/a:b"], "cloudInitDir": "/c"}"#)
        let fromFile = try loadedConfig(["--config", path])
        #expect(fromFile.resolvedProfilesDirs == ["/etc/p", "/a:b"])
        #expect(fromFile.resolvedCloudInitDirs == ["/c"])
        #expect(ServerConfig().resolvedProfilesDirs == ["./profiles"])
        #expect(loadFailure(["--profiles-dir", "/a::/b"]).contains("without empty entries"))
        let bad = try directory.write("bad.json", #"{"profilesDir": ["/a", 1]}"#)
        #expect(loadFailure(["--config", bad]) == "config file \(bad): \"profilesDir\" must be an array of strings")
    }
}

extension ProfileSearchPathTests {
    @Test("reload picks up added and changed profiles; a broken one keeps those in use and says which file")
    func reload() throws {
        let directory = try trees()
        let catalog = try load(directory)
        #expect(catalog.profiles.keys.sorted() == ["a", "b"])
        _ = try directory.write("etc/profiles/c.json", #"{"description": "new"}"#)
        try catalog.reload()
        #expect(catalog.profiles.keys.sorted() == ["a", "b", "c"])
        let broken = try directory.write("etc/profiles/a.json", #"{"kernel": 1}"#)
        #expect {
            try catalog.reload()
        } throws: { error in
            "\(error)".contains(broken)
        }
        #expect(catalog.profiles.keys.sorted() == ["a", "b", "c"])
        #expect(catalog.profile("a")?.profile.description == "shipped a")
    }
}
