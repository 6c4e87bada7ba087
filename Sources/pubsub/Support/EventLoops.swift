import Foundation
import NIOCore
import PubSubCore

/// NIO sizes its shared event-loop group by `System.coreCount`, which counts the machine's cores
/// (or a cgroup's quota) but not the cores the process is confined to: under `taskset -c 0` the
/// service ran two event loops on one core, each hop between them a context switch. This fits the
/// group to the allowed cores before anything uses it; NIO's own NIO_SINGLETON_GROUP_LOOP_COUNT
/// still decides when set.
enum EventLoops {
    static func fitToAllowedCores() {
        guard ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil,
            let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let allowed = CPUList.allowedCount(status: status), allowed >= 1, allowed < System.coreCount
        else { return }
        NIOSingletons.groupLoopCountSuggestion = allowed
    }
}
