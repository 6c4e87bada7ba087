import Foundation

/// Writes to the standard streams. stdout carries results only; notices and errors go to stderr.
enum Terminal {
    /// Writes one line to stdout, unbuffered, so that pipes see it at once.
    static func output(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes one line to stderr.
    static func diagnostic(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Reads all of standard input (blocking; call it only from synchronous commands).
    static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}
