import Foundation
import HotRemoveCLI
import HotRemoveHarness

CLI.crashGuard = true
guard StandardStreams.prepare() else {
    StandardStreams.error.write("hotremove: standard output is closed: nowhere to write results\n")
    exit(ExitCode.io.rawValue)
}
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
