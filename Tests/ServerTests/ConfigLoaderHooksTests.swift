import TestSupport
import Testing

@testable import Server

@Suite("ConfigLoader: hooks, kubespray, Proxmox and the power poller")
struct ConfigLoaderHooksTests {
    @Test("defaults")
    func defaults() {
        let config = ServerConfig()
        #expect(config.resolvedHooksDir == "./provision-data/hooks" && config.hookTimeout == 60)
        #expect(config.kubesprayCommand == ["ansible-playbook", "-b"] && config.kubesprayDir == nil && config.kubesprayTimeout == 3600)
        #expect(config.clustersDir == "./provision-data/clusters")
        #expect(config.proxmoxTaskTimeout == 3600)
    }

    @Test("flags; the command is split on spaces")
    func flags() throws {
        let config = try loadedConfig(["--hooks-dir", "/etc/provisiond/hooks", "--hook-timeout", "2.5", "--kubespray-command",
                                       "/opt/venv/bin/ansible-playbook -b -u ops", "--kubespray-dir", "/opt/kubespray",
                                       "--kubespray-timeout=600", "--proxmox-task-timeout", "7200"])
        #expect(config.resolvedHooksDir == "/etc/provisiond/hooks" && config.hookTimeout == 2.5)
        #expect(config.kubesprayCommand == ["/opt/venv/bin/ansible-playbook", "-b", "-u", "ops"])
        #expect(config.kubesprayDir == "/opt/kubespray" && config.kubesprayTimeout == 600)
        #expect(config.proxmoxTaskTimeout == 7200)
    }

    @Test("the config file takes the command as a JSON array (words may hold spaces) or a string")
    func file() throws {
        let directory = try TemporaryDirectory()
        let array = try directory.write("a.json", #"{"kubesprayCommand": ["/opt/my tools/run", "-e", "a b"], "hookTimeout": "5"}"#)
        let config = try loadedConfig(["--config", array])
        #expect(config.kubesprayCommand == ["/opt/my tools/run", "-e", "a b"] && config.hookTimeout == 5)
        let string = try directory.write("s.json", #"{"kubesprayCommand": "ansible-playbook -v"}"#)
        #expect(try loadedConfig(["--config", string]).kubesprayCommand == ["ansible-playbook", "-v"])
        let bad = try directory.write("b.json", #"{"kubesprayCommand": ["ok", 3]}"#)
        #expect(loadFailure(["--config", bad]) == "config file \(bad): \"kubesprayCommand\" must be an array of strings")
        let empty = try directory.write("e.json", #"{"kubesprayCommand": []}"#)
        #expect(loadFailure(["--config", empty]) == "kubespray command must name a program")
    }

    @Test("bad values are refused with the limits named")
    func refusals() {
        #expect(loadFailure(["--hook-timeout", "0"]) == "hook timeout \"0\" must be a number of seconds between 0 and 3600")
        #expect(loadFailure(["--kubespray-timeout", "x"]) == "kubespray timeout \"x\" must be a number of seconds between 0 and 86400")
        #expect(loadFailure(["--kubespray-command", ""]) == "kubespray command must name a program")
        #expect(loadFailure(["--proxmox-task-timeout", "-1"]) == "Proxmox task timeout \"-1\" must be a number of seconds between 0 and 86400")
    }

    @Test("the power poller is off by default; --power-poll-interval or powerPollInterval turns it on, off turns it off")
    func powerPoller() throws {
        #expect(ServerConfig().powerPollInterval == nil)
        #expect(try loadedConfig(["--power-poll-interval", "30"]).powerPollInterval == 30)
        let directory = try TemporaryDirectory()
        let file = try directory.write("p.json", #"{"powerPollInterval": "2.5"}"#)
        #expect(try loadedConfig(["--config", file]).powerPollInterval == 2.5)
        #expect(try loadedConfig(["--config", file, "--power-poll-interval", "off"]).powerPollInterval == nil)
        #expect(loadFailure(["--power-poll-interval", "0"]) == "power poll interval \"0\" must be a number of seconds between 0 and 86400")
    }
}
