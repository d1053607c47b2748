import Testing

@testable import ProvisionCLI

@Suite("TextTable")
struct TextTableTests {
    private func sample() -> String {
        var table = TextTable(["MAC", "HOSTNAME", "STATE"])
        table.add(["aa:bb:cc:dd:ee:ff", "n", "registered"])
        table.add(["x", "a-much-longer-hostname", "-"])
        return table.render()
    }

    @Test("every row's columns start at the same offsets, two spaces after the widest cell")
    func aligned() throws {
        let lines = sample().split(separator: "\n").map(String.init)
        try #require(lines.count == 3)
        for line in lines {
            #expect(line.distance(from: line.startIndex, to: try #require(offset(of: 1, in: line))) == "aa:bb:cc:dd:ee:ff".count + 2)
            #expect(line.distance(from: line.startIndex, to: try #require(offset(of: 2, in: line)))
                == "aa:bb:cc:dd:ee:ff".count + 2 + "a-much-longer-hostname".count + 2)
        }
    }

    @Test("the last column is not padded and every line ends in a newline")
    func lastColumnUnpadded() {
        let text = sample()
        #expect(text == """
            MAC                HOSTNAME                STATE
            aa:bb:cc:dd:ee:ff  n                       registered
            x                  a-much-longer-hostname  -

            """)
        for line in text.split(separator: "\n") { #expect(line.last != " ") }
    }

    @Test("a table without rows is its header line")
    func headerOnly() {
        #expect(TextTable(["A", "B"]).render() == "A  B\n")
    }

    /// Where column `index` starts: after the run of two or more spaces ending column `index - 1`.
    private func offset(of index: Int, in line: String) -> String.Index? {
        var position = line.startIndex
        for _ in 0..<index {
            guard let gap = line[position...].range(of: "  ") else { return nil }
            position = gap.upperBound
            while position < line.endIndex, line[position] == " " { position = line.index(after: position) }
        }
        return position
    }
}
