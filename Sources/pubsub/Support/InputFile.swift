import Foundation
import PubSubCore

/// Files named on the command line (a connection string, a message, event handler settings).
enum InputFile {
    /// The file's bytes, or a data error (exit 65) that names it.
    /// - Parameters:
    ///   - what: how the message names the file (`the connection string file`).
    static func contents(of path: String, what: String, code: PubSubError.Code, hint: String) throws(PubSubError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PubSubError(code, "cannot read \(what) \"\(path)\"", hint: hint, exitStatus: .dataError)
        }
        return data
    }
}
