import Foundation

/// Reports and reproducers are written to a temporary file in the same directory and renamed
/// into place, so a reader never sees half a file.  Only a regular file (or nothing) is ever
/// replaced: a symlink is followed and its target written, and a device, fifo or socket is
/// written through (never replaced by a regular file).  Every failure is an I/O error (exit 4)
/// naming the path.
public enum AtomicFile {
    private static let counter = Locked(0)

    package static func reason(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

    /// Writes a file the tool names itself (a reproducer, a scenario written out) without replacing
    /// another: an existing file with these very bytes is left as it is (a campaign run again writes the
    /// same files); one with other bytes is an error naming it, so a file the user edited is never
    /// overwritten (remove it, or write elsewhere, to have it written again).
    public static func writeNew(_ data: Data, to path: String) throws {
        if let existing = FileManager.default.contents(atPath: path) {
            if existing == data { return }
            throw CommandError(.io, "\(path): exists with other contents; not replaced (remove it to have it written again)")
        }
        try write(data, to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        guard !path.isEmpty else { throw CommandError(.io, "an empty path is not a file") }
        let target = try resolve(path)
        if let kind = try existingKind(target, shownAs: path), kind != S_IFREG {
            try writeThrough(data, to: target, shownAs: path)
            return
        }
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent()
        do { try makeDirectory(dir.path) } catch let e as CommandError {
            throw CommandError(.io, "\(path): \(e.message)")
        }
        let n = counter.with { $0 += 1; return $0 }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(n)").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError(.io, "\(path): cannot write (\(reason()))") }
        if let why = writeAll(fd, data) {
            close(fd)
            unlink(tmp)
            throw CommandError(.io, "\(path): cannot write (\(why))")
        }
        if close(fd) != 0 {
            let why = reason()
            unlink(tmp)
            throw CommandError(.io, "\(path): cannot write (\(why))")
        }
        if rename(tmp, target) != 0 {
            let why = reason()
            unlink(tmp)
            throw CommandError(.io, "\(path): cannot put into place (\(why))")
        }
    }

    /// The type (S_IFMT bits) of what is at `target`, nil when nothing is; a directory is refused, named
    /// `shownAs`.
    private static func existingKind(_ target: String, shownAs: String) throws -> mode_t? {
        var st = stat()
        guard lstat(target, &st) == 0 else { return nil }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR { throw CommandError(.io, "\(shownAs): is a directory, not a file") }
        return kind
    }

    /// Checks, before any work, that `path` can be written as a file: a probe file is created
    /// (and removed) next to it, or a non-regular file opened for writing.
    public static func checkWritable(_ path: String, what: String) throws {
        guard !path.isEmpty else { throw CommandError(.usage, "\(what): an empty path") }
        let target = try resolve(path)
        if let kind = try existingKind(target, shownAs: "\(what) \(path)"), kind != S_IFREG {
            guard kind != S_IFIFO else { return }  // opened when written: a reader may come later
            let fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw CommandError(.io, "\(what) \(path): cannot write (\(reason()))") }
            close(fd)
            return
        }
        try checkDirectoryWritable(URL(fileURLWithPath: target).deletingLastPathComponent().path, what: what, shownAs: path)
    }

    /// Checks that `dir` is (or can be made) a directory that files can be created in.
    public static func checkDirectoryWritable(_ dir: String, what: String, shownAs: String? = nil) throws {
        guard !dir.isEmpty else { throw CommandError(.usage, "\(what): an empty path") }
        do { try makeDirectory(dir) } catch let e as CommandError {
            throw CommandError(.io, "\(what) \(shownAs ?? dir): \(e.message)")
        }
        let probe = URL(fileURLWithPath: dir).appendingPathComponent(".hotremove-probe-\(getpid())-\(counter.with { $0 += 1; return $0 })").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError(.io, "\(what) \(shownAs ?? dir): cannot create files in \(dir) (\(reason()))") }
        close(fd)
        unlink(probe)
    }

    /// The file a path names: symlinks followed (a dangling one names its destination).
    package static func resolve(_ path: String) throws -> String {
        var p = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(p, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return p }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(p, &buf, buf.count - 1)
            guard n >= 0 else { throw CommandError(.io, "\(path): cannot read the symlink (\(reason()))") }
            let dest = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            p = dest.hasPrefix("/") ? dest : URL(fileURLWithPath: p).deletingLastPathComponent().appendingPathComponent(dest).path
        }
        throw CommandError(.io, "\(path): too many levels of symlinks")
    }

    package static func makeDirectory(_ dir: String) throws {
        var st = stat()
        if stat(dir, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else { throw CommandError(.io, "not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CommandError(.io, "cannot create the directory \(dir) (\(((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? "a path component is not a directory or not writable"))")
        }
    }

    /// A device, fifo or socket: opened and written, never replaced.
    private static func writeThrough(_ data: Data, to target: String, shownAs path: String) throws {
        let fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw CommandError(.io, "\(path): cannot write (\(e == ENXIO ? "a fifo with no reader" : reason(e)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        defer { close(fd) }
        if let why = writeAll(fd, data) { throw CommandError(.io, "\(path): cannot write (\(why))") }
    }

    private static func writeAll(_ fd: Int32, _ data: Data) -> String? {
        var rest = data[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return reason()
            }
            rest = rest.dropFirst(n)
        }
        return nil
    }
}
