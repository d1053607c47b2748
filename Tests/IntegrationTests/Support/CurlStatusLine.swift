/// Output of curl run with `-o - -w "\n%{http_code}"`: the body, a newline, the status code.
enum CurlStatusLine {
    /// Splits at the last newline scalar. Not at the last "\n" Character: a body that ends in
    /// "\r" makes "\r\n" one Character, which `lastIndex(of: "\n")` does not find (a random
    /// image's 100-byte range did once). nil without a newline or a numeric status.
    static func split(_ output: String) -> (status: Int, body: String)? {
        let scalars = output.unicodeScalars
        guard let newline = scalars.lastIndex(of: "\n"),
              let status = Int(String(Substring(scalars[scalars.index(after: newline)...]))) else { return nil }
        return (status, String(Substring(scalars[..<newline])))
    }
}
