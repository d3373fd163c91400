import Foundation
import HotRemoveHarness

CLI.crashGuard = true
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
