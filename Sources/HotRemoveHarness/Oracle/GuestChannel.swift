import Foundation

/// The command channel to the guest's init (tools/oracle/guest/serve.sh) over the virtio console:
/// one request a line, "ID COMMAND [ARGS]"; the reply is the output, then "@@END ID RC".
package final class GuestChannel {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    /// One memory block as sysfs shows it (/sys/devices/system/memory/memoryN).
    package struct MemoryBlock: Equatable {
        package var number: Int
        package var online: Bool
        /// the block's first section number (phys_index, hex in sysfs)
        package var firstSection: UInt64
    }

    private let socket: UnixSocket
    private var nextID = 1

    /// Connects and waits for the guest's "@@READY" (the kernel boots meanwhile).
    package init(path: String, bootTimeout: Double) throws {
        socket = try UnixSocket(connectingTo: path, within: 10)
        let deadline = Date().addingTimeInterval(bootTimeout)
        while true {
            let line: String
            do { line = try socket.readLine(until: deadline) } catch {
                throw Failure(description: "the guest did not come up within \(Int(bootTimeout)) s (\(error))")
            }
            if line.hasSuffix("@@READY") { break }
        }
    }

    /// Runs a guest command; returns its output lines, throws on a non-zero status.
    @discardableResult
    package func run(_ command: String, timeout: Double = 60) throws -> [String] {
        let (lines, rc) = try request(command, timeout: timeout)
        guard rc == 0 else {
            throw Failure(description: "guest command \"\(command)\" failed (\(rc)): \(lines.joined(separator: " / "))")
        }
        return lines
    }

    package func request(_ command: String, timeout: Double = 60) throws -> (lines: [String], rc: Int) {
        let id = nextID
        nextID += 1
        try socket.send("\(id) \(command)\n")
        let deadline = Date().addingTimeInterval(timeout)
        var out: [String] = []
        let end = "@@END \(id) "
        while true {
            let line = try socket.readLine(until: deadline)
            if line.hasPrefix(end) { return (out, Int(line.dropFirst(end.count)) ?? -1) }
            out.append(line)
        }
    }

    /// The memory blocks and the block size, from `blocks`.
    package func memoryBlocks() throws -> (blockSize: UInt64, blocks: [MemoryBlock]) {
        try GuestChannel.parseBlocks(run("blocks"))
    }

    package static func parseBlocks(_ lines: [String]) throws -> (blockSize: UInt64, blocks: [MemoryBlock]) {
        var size: UInt64?
        var blocks: [MemoryBlock] = []
        for l in lines {
            let f = l.split(separator: " ")
            if f.count == 2, f[0] == "block_size_bytes" { size = UInt64(f[1], radix: 16) }
            if f.count == 4, f[0] == "block", let n = Int(f[1]), let s = UInt64(f[3], radix: 16) {
                blocks.append(MemoryBlock(number: n, online: f[2] == "online", firstSection: s))
            }
        }
        guard let size, size > 0 else { throw Failure(description: "guest: no memory block size in \(lines)") }
        return (size, blocks.sorted { $0.number < $1.number })
    }
}
