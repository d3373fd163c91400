import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected AF_UNIX stream socket with deadlines: QEMU's QMP monitor, its gdb stub and the
/// guest's virtio console are all served on Unix sockets by the QEMU the oracle starts.
package final class UnixSocket {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        package init(_ d: String) { description = d }
    }

    private var fd: Int32
    private var pending: [UInt8] = []
    package let path: String

    /// Connects, retrying until `within` seconds have passed (QEMU creates the socket a moment
    /// after it starts).
    package init(connectingTo path: String, within seconds: Double) throws {
        self.path = path
        let deadline = Date().addingTimeInterval(seconds)
        var lastError = ""
        while true {
            let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard s >= 0 else { throw Failure("socket(): \(String(cString: strerror(errno)))") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                Glibc.close(s)
                throw Failure("\(path): socket path too long")
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 { fd = s; return }
            lastError = String(cString: strerror(errno))
            Glibc.close(s)
            if Date() >= deadline { throw Failure("\(path): cannot connect (\(lastError))") }
            usleep(50_000)
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    package func shutdown() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    package func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("\(path): write failed (\(String(cString: strerror(errno))))")
            }
            off += n
        }
    }

    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads what is available (waiting up to the deadline for at least one byte) into the buffer.
    private func fill(until deadline: Date) throws {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ms = Int32(max(0, min(Double(Int32.max), deadline.timeIntervalSinceNow * 1000)))
            let r = poll(&pfd, 1, ms)
            if r < 0 && errno == EINTR { continue }
            if r < 0 { throw Failure("\(path): poll failed (\(String(cString: strerror(errno))))") }
            if r == 0 { throw Failure("\(path): no answer in time") }
            break
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw Failure("\(path): read failed (\(String(cString: strerror(errno))))") }
        if n == 0 { throw Failure("\(path): closed by QEMU") }
        pending += buf[0..<n]
    }

    /// One byte, waiting until the deadline.
    package func readByte(until deadline: Date) throws -> UInt8 {
        if pending.isEmpty { try fill(until: deadline) }
        return pending.removeFirst()
    }

    /// Bytes up to and including `terminator`, or up to the deadline (an error).
    package func read(through terminator: UInt8, until deadline: Date) throws -> [UInt8] {
        while true {
            if let i = pending.firstIndex(of: terminator) {
                let out = Array(pending[...i])
                pending.removeFirst(i + 1)
                return out
            }
            try fill(until: deadline)
        }
    }

    /// A line without its terminator (and without a carriage return before it).
    package func readLine(until deadline: Date) throws -> String {
        var bytes = try read(through: 0x0a, until: deadline)
        bytes.removeLast()
        if bytes.last == 0x0d { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
