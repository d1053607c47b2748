import Testing

@testable import Server

@Suite("Logger.quoted")
struct LoggerQuotedTests {
    @Test("values that split cleanly on spaces stay as they are", arguments: ["plain", "/api/v1/machines", "aa:bb:cc:dd:ee:ff", "a=b", "naïve"])
    func plain(_ value: String) {
        #expect(Logger.quoted(value) == value)
    }

    @Test("other values are quoted with escapes", arguments: [
        ("two words", #""two words""#),
        (#"say "hi""#, #""say \"hi\"""#),
        ("line\nbreak", #""line\nbreak""#),
        ("cr\rtab\t", #""cr\rtab\t""#),
        (#"back\slash"#, #""back\\slash""#),
        ("", #""""#),
        ("bell\u{07}", #""bell\x7""#),
        ("del\u{7F}", #""del\x7f""#),
    ])
    func quoted(_ value: String, _ expected: String) {
        #expect(Logger.quoted(value) == expected)
    }

    @Test("a quoted value stays on one line and is wrapped in quotes")
    func oneLine() {
        let quoted = Logger.quoted("a\nb c\"d")
        #expect(!quoted.contains("\n"))
        #expect(quoted.first == "\"" && quoted.last == "\"")
    }
}
