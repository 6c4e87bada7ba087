import Foundation
import PubSubCore

/// `subscribe --ready-file PATH`: the file a script waits for. Checked before anything connects, so
/// a path that cannot be written fails at once (exit 73) instead of leaving the script waiting; a
/// file left by an earlier run is removed then, so that it cannot be taken for this run's. Once
/// ready, the connection id is written to a temporary file beside it and renamed into place, so a
/// reader never sees it half written.
struct ReadyFile: Sendable {
    let path: String

    init(checking path: String) throws(PubSubError) {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw Self.failure(path, "it is a directory") }
            if unlink(path) != 0 { throw Self.failure(path, "the file from an earlier run cannot be removed: \(Self.systemError())") }
        }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        var parentIsDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &parentIsDirectory), parentIsDirectory.boolValue else {
            throw Self.failure(path, "the directory \(parent) does not exist")
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            throw Self.failure(path, "no file can be created in \(parent): \(Self.systemError())")
        }
    }

    /// Writes the connection id (and a newline).
    func write(connectionId: String?) throws(PubSubError) {
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(((connectionId ?? "") + "\n").utf8)) else {
            throw Self.failure(path, "writing \(temporary) failed: \(Self.systemError())")
        }
        guard rename(temporary, path) == 0 else {
            let reason = Self.systemError()
            unlink(temporary)
            throw Self.failure(path, "renaming \(temporary) to it failed: \(reason)")
        }
    }

    private static func failure(_ path: String, _ reason: String) -> PubSubError {
        PubSubError(
            .readyFileUnwritable,
            "--ready-file \(path) cannot be written: \(reason)",
            hint: "give a path in a directory this user can write to",
            exitStatus: .cannotCreate
        )
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}

extension PubSubError.Code {
    static let readyFileUnwritable = Self("readyFileUnwritable")
}
