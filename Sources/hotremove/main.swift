import Foundation
import HotRemoveHarness

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
