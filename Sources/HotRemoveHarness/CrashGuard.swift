internal import CShim

/// The process's guard against the code under test crashing or hanging (CShim/kernel/crash_guard.c): a fatal
/// signal or the alarm reports what was running on a file descriptor and exits with a chosen code, instead of
/// the process dying silently.  Signal handlers belong to the process, so this is process-wide by nature.
public enum CrashGuard {
    /// Installs the handlers: a crash is reported on `fd` and the process exits with `exitCode`.
    public static func install(reportingTo fd: Int32, exitCode: Int32) { hr_crash_guard_install(fd, exitCode) }
    /// What a crash report names as running (a scenario, a revision, a step).
    public static func context(_ text: String) { hr_crash_context_set(text) }
    /// A hang: the process is stopped after `seconds` (0: no limit).
    public static func alarm(_ seconds: UInt32) { hr_crash_alarm(seconds) }
}
