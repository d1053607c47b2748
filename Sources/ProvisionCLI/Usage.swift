enum Usage {
    static let globalOptions = """

        global options:
          --server URL       admin API (default http://127.0.0.1:8081, or $PROVISION_SERVER)
          --token-file F     admin token file (default $PROVISION_TOKEN, then ./provision-data/admin.token)
          --json             machine-readable output
          --help             help for the command

        """

    static var general: String {
        var text = "usage: provisionctl COMMAND [arguments] [options]\n\nOperator command line for provisiond.\n\ncommands:\n"
        for command in Command.every {
            let left = command.name + (command.positionals.isEmpty ? "" : " " + command.positionals.joined(separator: " "))
            text += "  " + left + String(repeating: " ", count: max(2, 18 - left.count)) + command.summary + "\n"
        }
        text += "\nMACs may be written aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff.\n"
        return text + globalOptions
    }
}
