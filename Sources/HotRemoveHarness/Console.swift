import Foundation

/// Where a command writes: standard output for results, standard error for
/// progress and errors.  Tests capture both.  `outputFailure` says why results
/// could not be written (the command then exits 4), nil while all is well.
public struct Console: Sendable {
    public let out: @Sendable (String) -> Void
    public let err: @Sendable (String) -> Void
    public let outputFailure: @Sendable () -> String?
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
                outputFailure: @escaping @Sendable () -> String? = { nil }) {
        self.out = out
        self.err = err
        self.outputFailure = outputFailure
    }
    public static let standard = Console(
        out: { s in StandardStreams.output.write(s) },
        err: { s in StandardStreams.error.write(s) },
        outputFailure: { StandardStreams.output.failure })
}

/// A standard stream written with write(2): a failed write (a full device, a closed pipe or
/// descriptor) is remembered, never a trap, and nothing more is written to it.
public final class StandardStreams: @unchecked Sendable {
    public static let output = StandardStreams(fd: 1, name: "standard output")
    public static let error = StandardStreams(fd: 2, name: "standard error")

    package let fd: Int32
    package let name: String
    private let lock = NSLock()
    private var failedErrno: Int32?

    package init(fd: Int32, name: String) { self.fd = fd; self.name = name }

    /// Why writing failed ("standard output: No space left on device"), or nil.
    public var failure: String? {
        lock.lock(); defer { lock.unlock() }
        return failedErrno.map { "\(name): cannot write (\(String(cString: strerror($0))))" }
    }

    /// Writes all of `s`; false (and remembered) when the stream fails.
    @discardableResult
    public func write(_ s: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard failedErrno == nil else { return false }
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failedErrno = errno
                return false
            }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    /// The executable's start: standard output, error and input are open (a closed one is held by
    /// /dev/null so that no file opened later takes its number), and a closed pipe is a write
    /// error (EPIPE) rather than a silent death.  Returns false when standard output was closed.
    public static func prepare() -> Bool {
        var outputOpen = true
        for fd: Int32 in [0, 1, 2] where fcntl(fd, F_GETFD) == -1 {
            if fd == 1 { outputOpen = false }
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd { dup2(null, fd); close(null) }
        }
        signal(SIGPIPE, SIG_IGN)
        return outputOpen
    }
}

/// Exit codes, documented in README.
public enum ExitCode: Int32, Sendable {
    case ok = 0
    /// a contract mismatch: the C does not do what its revision claims
    case contractMismatch = 1
    case usage = 2
    /// a scenario (or other input file) is malformed or invalid
    case badInput = 3
    /// a file could not be read or written
    case io = 4
    /// the harness itself failed (e.g. no host memory for a machine)
    case internalError = 5
    /// interrupted (SIGINT/SIGTERM); what was finished is saved
    case interrupted = 6
    /// the revision under test crashed (fatal signal) or hung (time limit) in a single run
    case crashed = 7
}

/// A command's failure: the exit code it ends with and what to tell the user.
public struct CommandError: Error {
    public let code: ExitCode
    public let message: String
    public init(_ code: ExitCode, _ message: String) { self.code = code; self.message = message }
}
