import HotRemoveHarness

extension CLI {
    /// What the executable around the CLI decides for a whole invocation, passed down as a value.
    public struct Settings: Sendable {
        /// Report a crash or hang of the code under test (signal, scenario, revision, step) on standard
        /// error and exit with code 7, instead of dying silently: the executables set it; tests running
        /// the CLI in-process leave it off, since the handlers belong to the whole process.
        public var crashGuard: Bool
        /// The executable campaign workers and bench children run (`hotremove __worker`); nil: campaigns
        /// run in this process and bench skips what needs a child.
        public var worker: String?
        public init(crashGuard: Bool = false, worker: String? = Isolation.toolExecutable) {
            self.crashGuard = crashGuard; self.worker = worker
        }

        /// Installs the crash guard if this invocation has one; runs then arm it for `timeout` seconds.
        func guardRuns(timeout: UInt32) -> RunGuard {
            if crashGuard { CrashGuard.install(reportingTo: 2, exitCode: ExitCode.crashed.rawValue) }
            return RunGuard(armed: crashGuard, timeout: timeout)
        }
    }

    /// The time limit of one (scenario, revision) run, when the crash guard is installed.
    struct RunGuard {
        var armed: Bool
        /// seconds (0: none)
        var timeout: UInt32
        static let off = RunGuard(armed: false, timeout: 0)

        func around<T>(_ body: () throws -> T) rethrows -> T {
            if armed { CrashGuard.alarm(timeout) }
            defer { if armed { CrashGuard.alarm(0) } }
            return try body()
        }
    }
}
