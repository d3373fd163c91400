import Foundation

/// Reports and reproducers are written to a temporary file in the same
/// directory and renamed into place, so a reader never sees half a file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw CommandError(.io, "\(dir.path): cannot create directory (\((error as NSError).localizedDescription))")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw CommandError(.io, "\(path): cannot write")
        }
        if rename(tmp.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: tmp)
            throw CommandError(.io, "\(path): cannot rename into place (errno \(errno))")
        }
    }
}
