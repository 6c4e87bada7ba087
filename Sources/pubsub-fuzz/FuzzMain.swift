import Foundation
import PubSubFuzzTargets

// Built two ways (scripts/fuzz.sh):
// - with `-sanitize=fuzzer,address -DFUZZING`: libFuzzer's own main drives `LLVMFuzzerTestOneInput`,
//   and PUBSUB_FUZZ_TARGET names the target;
// - normally: `pubsub-fuzz TARGET FILE…` runs each file through the target once (what a crash
//   input reproduces with, without the sanitizers' build).

/// The target libFuzzer runs, from PUBSUB_FUZZ_TARGET; read once.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["PUBSUB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("pubsub-fuzz: set PUBSUB_FUZZ_TARGET to one of: \(known)\n".utf8))
        exit(64)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if FUZZING
/// libFuzzer's driver, which parses its flags and calls `LLVMFuzzerTestOneInput` (part of libFuzzer
/// when linked with -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The package manager names an executable's entry point after its module and links `main` to
/// it; under the fuzzer that entry point hands over to libFuzzer's driver.
@_cdecl("pubsub_fuzz_main")
func fuzzerEntryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    _ = selectedTarget
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main
struct ReplayMain {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: pubsub-fuzz TARGET FILE…  (targets: \(known))\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("pubsub-fuzz: cannot read \(path)\n".utf8))
                exit(66)
            }
            data.withUnsafeBytes { target.run($0) }
            print("\(name): \(path): ok")
        }
    }
}
#endif
