import Boot
import Testing

@Suite("Profile files") struct ProfileTests {
    private func parse(_ json: String) throws(ProfileError) -> Profile {
        try Profile.parse(name: "t", file: "profiles/t.json", json: Array(json.utf8))
    }

    @Test func readsKernelInitrdsAndCmdline() throws {
        let profile = try parse(#"{"description":"d","kernel":"deb/linux","initrd":["deb/a.gz","http://x/b.img"],"cmdline":"console=ttyS0"}"#)
        #expect(profile == Profile(name: "t", description: "d", kernel: "deb/linux", initrds: ["deb/a.gz", "http://x/b.img"], cmdline: "console=ttyS0"))
        #expect(try parse(#"{"kernel":"k","initrd":"one.gz"}"#).initrds == ["one.gz"])
        #expect(try parse(#"{"kernel":"https://mirror/k"}"#).initrds.isEmpty)
    }

    @Test(arguments: [
        (#"{"kernel": 1}"#, "field \"kernel\": must be a string, not number"),
        (#"{"initrd": "a"}"#, "field \"kernel\": missing"),
        (#"{"kernel": "k", "colour": "red"}"#, "field \"colour\": unknown field"),
        (#"{"kernel": "../k"}"#, "field \"kernel\": \"../k\" is neither"),
        (#"{"kernel": "/boot/k"}"#, "is neither an http(s) URL"),
        (#"{"kernel": "k", "initrd": [1]}"#, "field \"initrd\": must list strings"),
        (#"{"kernel": "k", "initrd": {"a": 1}}"#, "field \"initrd\": must be a string or a list"),
        (#"{"kernel": "k", "cmdline": "a\nb"}"#, "field \"cmdline\": must be one line"),
        (#"[1]"#, "must be a JSON object"),
        (#"{"kernel": "k""#, "invalid JSON"),
        (#"{"installTimeout": "3600"}"#, "field \"installTimeout\": must be a number of seconds above 0 and at most 604800, not \"3600\""),
        (#"{"installTimeout": 0}"#, "field \"installTimeout\": must be a number of seconds above 0"),
        (#"{"installTimeout": 604801}"#, "at most 604800, not 604801"),
        (#"{"metadataTrust": "ip"}"#, "field \"metadataTrust\": \"ip\" is not one of address, mac"),
        (#"{"metadataTrust": true}"#, "field \"metadataTrust\": must be a string"),
        (#"{"image": {"name": "d12"}}"#, "field \"kernel\": missing: a profile with an image boots the deploy environment"),
        (#"{"kernel": "k", "image": "d12"}"#, "field \"image\": must be an object, not string"),
        (#"{"kernel": "k", "image": {}}"#, "field \"image.name\": missing"),
        (#"{"kernel": "k", "image": {"name": "D12/x"}}"#, "field \"image.name\": \"D12/x\" is not an image name"),
        (#"{"kernel": "k", "image": {"name": "d12", "targetDisk": "biggest"}}"#,
         "field \"image.targetDisk\": \"biggest\" is not a target-disk rule (smallest, largest, /dev/disk/by-id/NAME, serial:GLOB, model:GLOB)"),
        (#"{"kernel": "k", "image": {"name": "d12", "targetDisk": "serial:"}}"#, "field \"image.targetDisk\": \"serial:\" is not"),
        (#"{"kernel": "k", "image": {"name": "d12", "wipe": "yes"}}"#, "field \"image.wipe\": must be true or false, not string"),
        (#"{"kernel": "k", "image": {"name": "d12", "disk": "sda"}}"#, "field \"image.disk\": unknown field (known: name, targetDisk, wipe)"),
    ])
    func refuses(json: String, message: String) {
        #expect {
            _ = try parse(json)
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix("profile profiles/t.json") && text.contains(message)
        }
    }

    @Test func imageNamesTheImageTheTargetDiskRuleAndTheDiskPolicy() throws {
        let profile = try parse(#"{"kernel": "deploy-env/vmlinuz", "image": {"name": "debian-12", "targetDisk": "serial:S4EV*", "wipe": true}}"#)
        let image = try #require(profile.image)
        #expect(image.image == "debian-12" && image.targetDisk == .serial("S4EV*") && image.targetDiskText == "serial:S4EV*" && image.wipe)
        // The rule defaults to the smallest fixed disk, the policy to never overwriting data.
        let defaults = try #require(try parse(#"{"kernel": "k", "image": {"name": "d12"}}"#).image)
        #expect(defaults.targetDisk == .smallest && !defaults.wipe)
        #expect(try parse(#"{"kernel": "k"}"#).image == nil)
    }

    @Test func metadataTrustIsOptionalAndNamed() throws {
        #expect(try parse(#"{"metadataTrust": "mac"}"#).metadataTrust == .mac)
        #expect(try parse(#"{"metadataTrust": "address"}"#).metadataTrust == .address)
        #expect(try parse(#"{}"#).metadataTrust == nil)
    }

    @Test func installTimeoutIsSecondsAndOptional() throws {
        #expect(try parse(#"{"installTimeout": 5400}"#).installTimeout == 5400)
        #expect(try parse(#"{"installTimeout": 1.5}"#).installTimeout == 1.5)
        #expect(try parse(#"{}"#).installTimeout == nil)
    }

    @Test func initrdFileNames() {
        #expect(Profile.fileName(of: "debian/initrd.gz") == "initrd.gz")
        #expect(Profile.fileName(of: "http://m/x/initrd.img?sig=1") == "initrd.img")
    }
}
