import Foundation
import HotRemoveCLI
import HotRemoveHarness

guard StandardStreams.prepare() else {
    StandardStreams.error.write("hotremove: standard output is closed: nowhere to write results\n")
    exit(ExitCode.io.rawValue)
}
// this executable is its own campaign worker (Isolation.toolExecutable)
exit(CLI.main(Array(CommandLine.arguments.dropFirst()), settings: CLI.Settings(crashGuard: true)))
