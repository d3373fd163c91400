import Foundation
@testable import HotRemoveCLI
import HotRemoveHarness
import HotRemoveMutants
import HotRemoveScenario

/// The two executables built next to the tests: the shipped tool and its test-only twin with the mutants.
enum Tools {
    static func path(_ name: String) -> String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
    /// `hotremove`, as shipped: no mutant
    static let shipped = path("hotremove")
    /// `hotremove-mutants`: the same CLI with the mutants registered; the crash-isolation worker
    static let withMutants = path("hotremove-mutants")
}
