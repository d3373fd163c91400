// Test-only: the hotremove CLI with the mutants of CShim/mutants registered.  The crash-isolation
// tests use it as their worker (`hotremove-mutants __worker`); the shipped `hotremove` has no mutant.
import Foundation
import HotRemoveCLI
import HotRemoveHarness
import HotRemoveMutants

Mutants.register()
// campaign workers are this executable (Isolation.toolExecutable), not the shipped tool next to it
exit(CLI.main(Array(CommandLine.arguments.dropFirst()), settings: CLI.Settings(crashGuard: true)))
