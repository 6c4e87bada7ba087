import ArgumentParser

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint client access URLs and tokens; decode and verify tokens.",
        discussion: """
            With no subcommand, `pubsub token` mints (see `pubsub token mint --help`).

            Examples:
              pubsub token --hub chat
              pubsub token --hub chat --user alice --role webpubsub.sendToGroup.room1 --group room1 --expires 2h
              pubsub token decode "wss://contoso.webpubsub.azure.com/client/hubs/chat?access_token=eyJ…" --verify
            """,
        subcommands: [TokenMintCommand.self, TokenDecodeCommand.self],
        defaultSubcommand: TokenMintCommand.self
    )
}
