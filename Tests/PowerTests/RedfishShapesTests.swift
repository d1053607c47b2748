import Power
import Testing
import Wire

@Suite struct RedfishShapesTests {
    static let system = #"""
    {"@odata.id": "/redfish/v1/Systems/1", "PowerState": "On",
     "Boot": {"BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None",
              "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "Hdd"], "BootSourceOverrideMode": "UEFI"},
     "Actions": {"#ComputerSystem.Reset": {"target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                 "ResetType@Redfish.AllowableValues": ["On", "ForceOff", "ForceRestart"]}}}
    """#

    @Test func decodesTheSystem() throws {
        let system = try RedfishSystem(JSONParser.parse(Self.system))
        #expect(system.powerState == .on)
        #expect(system.resetTarget == "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset")
        #expect(system.allowedResetTypes == ["On", "ForceOff", "ForceRestart"])
        #expect(system.bootOverrideMode == "UEFI")
        #expect(system.allowedBootTargets == ["None", "Pxe", "Hdd"])
    }

    @Test func transitionalAndUnknownStates() throws {
        let reset = ##""Actions": {"#ComputerSystem.Reset": {"target": "/r"}}"##
        #expect(try RedfishSystem(JSONParser.parse(#"{"PowerState": "PoweringOn", \#(reset)}"#)).powerState == .poweringOn)
        let paused = try RedfishSystem(JSONParser.parse(#"{"PowerState": "Paused", \#(reset)}"#))
        #expect(paused.powerState == .other("Paused") && paused.powerState.isOn)
        #expect(paused.allowedResetTypes == nil && paused.bootOverrideMode == nil)
    }

    @Test func refusesASystemWithoutPowerOrReset() {
        #expect(throws: PowerError.malformed("the ComputerSystem has no PowerState")) {
            try RedfishSystem(JSONParser.parse(#"{"Actions": {}}"#))
        }
        #expect(throws: PowerError.self) { try RedfishSystem(JSONParser.parse(#"{"PowerState": "On"}"#)) }
        #expect(throws: PowerError.self) { try RedfishSystem(JSONParser.parse("[]")) }
    }

    @Test func resetTypeFollowsWhatTheBMCAllows() throws {
        #expect(try RedfishRequests.resetType(for: .cycle, allowed: ["On", "ForceOff", "ForceRestart"]) == "ForceRestart")
        #expect(try RedfishRequests.resetType(for: .cycle, allowed: ["ForceRestart", "PowerCycle"]) == "PowerCycle")
        #expect(try RedfishRequests.resetType(for: .on, allowed: ["ForceOn"]) == "ForceOn")
        #expect(try RedfishRequests.resetType(for: .off, allowed: nil) == "ForceOff")
        #expect(throws: PowerError.unsupported("the BMC allows the reset types On, ForceOff, none of PowerCycle, ForceRestart, GracefulRestart for cycle")) {
            try RedfishRequests.resetType(for: .cycle, allowed: ["On", "ForceOff"])
        }
    }

    @Test func bodies() {
        #expect(RedfishRequests.reset("On").encoded() == #"{"ResetType":"On"}"#)
        #expect(RedfishRequests.bootFromNetworkOnce(mode: "UEFI").encoded()
            == #"{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once","BootSourceOverrideMode":"UEFI"}}"#)
        #expect(RedfishRequests.bootFromNetworkOnce(mode: nil).encoded()
            == #"{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}"#)
    }

    @Test func errorMessages() {
        let body = #"""
        {"error": {"code": "Base.1.8.GeneralError", "message": "A general error has occurred.",
         "@Message.ExtendedInfo": [{"MessageId": "Base.1.8.PropertyValueNotInList",
           "Message": "The value Bogus for the property ResetType is not in the list of acceptable values.",
           "Resolution": "Choose a value from the enumeration list."}]}}
        """#
        #expect(RedfishErrorBody.message(Array(body.utf8), reason: "Bad Request")
            == "A general error has occurred.; The value Bogus for the property ResetType is not in the list of acceptable values. (Choose a value from the enumeration list.)")
        #expect(RedfishErrorBody.message(Array("PATCH only works for Boot".utf8), reason: "Bad Request") == "PATCH only works for Boot")
        #expect(RedfishErrorBody.message([], reason: "Unauthorized") == "Unauthorized")
    }

    @Test func tasks() throws {
        #expect(try RedfishTask(JSONParser.parse(#"{"TaskState": "Running"}"#)).progress == .running)
        #expect(try RedfishTask(JSONParser.parse(#"{"TaskState": "Completed", "TaskStatus": "OK"}"#)).progress == .completed)
        #expect(try RedfishTask(JSONParser.parse(#"{"TaskState": "Exception", "Messages": [{"Message": "BMC busy"}]}"#)).progress
            == .failed("task Exception: BMC busy"))
        #expect(try RedfishTask(JSONParser.parse(#"{"TaskState": "Completed", "TaskStatus": "Critical"}"#)).progress
            == .failed("task completed with status Critical"))
        #expect(throws: PowerError.self) { try RedfishTask(JSONParser.parse("{}")) }
    }

    @Test func endpoints() throws {
        let plain = try RedfishEndpoint(url: "https://10.0.0.9:8443", user: "admin", password: "pw", trust: .system)
        #expect(plain.base == "https://10.0.0.9:8443" && plain.systemPath == nil)
        let named = try RedfishEndpoint(url: "https://bmc/redfish/v1/Systems/System.Embedded.1/", user: "a", password: "p", trust: .system)
        #expect(named.base == "https://bmc" && named.systemPath == "/redfish/v1/Systems/System.Embedded.1")
        for bad in ["http://bmc", "https://bmc/redfish/v1", "https://bmc/x?y=1", "https://u:p@bmc", "bmc"] {
            #expect(throws: PowerError.self, "\(bad)") { try RedfishEndpoint(url: bad, user: "a", password: "p", trust: .system) }
        }
        #expect(throws: PowerError.self) { try RedfishEndpoint(url: "https://bmc", user: "a", password: "", trust: .system) }
    }
}
