import Foundation
import HotRemoveJudge
import HotRemoveModel
import HotRemoveScenario

/// GDB's remote serial protocol (gdb/doc "Remote Protocol": Overview, Packets, Standard
/// Replies), as far as reading a stopped target needs: `$payload#cs` framing with a modulo-256
/// checksum, `+` acknowledgements, `}` escapes and `*` run-length encoding in replies.
package enum GDBPacket {
    package struct Malformed: Error, CustomStringConvertible { package let description: String }

    /// The checksum: the sum of the payload's bytes modulo 256.
    package static func checksum<C: Collection>(_ payload: C) -> UInt8 where C.Element == UInt8 {
        payload.reduce(UInt8(0)) { $0 &+ $1 }
    }

    /// `$payload#xx`; `$`, `#`, `}` and `*` in the payload are escaped as `}` + (byte ^ 0x20).
    package static func frame(_ payload: String) -> [UInt8] {
        var body: [UInt8] = []
        for b in payload.utf8 {
            if b == 0x24 || b == 0x23 || b == 0x7d || b == 0x2a { body += [0x7d, b ^ 0x20] } else { body.append(b) }
        }
        let cs = checksum(body)
        return [0x24] + body + [0x23] + Array(String(format: "%02x", cs).utf8)
    }

    /// The payload of a framed packet (`$...#xx`, the checksum checked, escapes and run lengths
    /// expanded).
    package static func unframe(_ packet: [UInt8]) throws -> [UInt8] {
        guard packet.count >= 4, packet.first == 0x24, packet[packet.count - 3] == 0x23 else {
            throw Malformed(description: "not a packet: \(String(decoding: packet.prefix(40), as: UTF8.self))")
        }
        let body = packet[1 ..< packet.count - 3]
        let sent = String(decoding: packet.suffix(2), as: UTF8.self)
        guard let want = UInt8(sent, radix: 16) else { throw Malformed(description: "checksum \"\(sent)\" is not hex") }
        let got = checksum(body)
        guard got == want else {
            throw Malformed(description: "checksum mismatch: packet says \(sent), payload sums to \(String(format: "%02x", got))")
        }
        return try decode(Array(body))
    }

    /// Expands `}` escapes and `*` run lengths (`X*n`: X repeated n - 29 more times).
    package static func decode(_ body: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            let b = body[i]
            if b == 0x7d {
                guard i + 1 < body.count else { throw Malformed(description: "escape at the end of a packet") }
                out.append(body[i + 1] ^ 0x20)
                i += 2
            } else if b == 0x2a {
                guard let last = out.last, i + 1 < body.count, body[i + 1] >= 29 + 3 else {
                    throw Malformed(description: "bad run length at byte \(i)")
                }
                out += [UInt8](repeating: last, count: Int(body[i + 1]) - 29)
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// Hex text to bytes (`m` replies, register values).
    package static func bytes(fromHex text: [UInt8]) throws -> [UInt8] {
        guard text.count % 2 == 0 else { throw Malformed(description: "odd-length hex reply") }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: throw Malformed(description: "not hex: \(String(decoding: text.prefix(40), as: UTF8.self))")
            }
        }
        var out = [UInt8](repeating: 0, count: text.count / 2)
        for i in 0 ..< out.count { out[i] = try nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]) }
        return out
    }

    /// A register's bytes as the target sends them (target order: little-endian on arm64).
    package static func littleEndian(_ bytes: [UInt8]) -> UInt64 {
        bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}

/// A client of QEMU's gdb stub (gdbstub.c): connecting stops the guest; the oracle reads
/// registers and physical memory (`Qqemu.PhyMemMode:1`, QEMU's own packet), then detaches, which
/// lets the guest run again.
package final class GDBRemote {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    private let socket: UnixSocket
    private let timeout: Double
    /// the most bytes one `m` request asks for (QEMU answers at most MAX_PACKET_LENGTH / 2)
    private(set) var maxRead = 2048
    /// packets exchanged, for the cost figures
    private(set) var packets = 0

    package init(path: String, timeout: Double = 30) throws {
        socket = try UnixSocket(connectingTo: path, within: timeout)
        self.timeout = timeout
        let features = try request("qSupported:xmlRegisters=aarch64")
        for f in features.split(separator: ";") where f.hasPrefix("PacketSize=") {
            if let n = Int(f.dropFirst("PacketSize=".count), radix: 16), n >= 64 {
                // hex doubles the size; keep room for the framing
                maxRead = min(maxRead, (n - 16) / 2)
            }
        }
        _ = try request("?")
    }

    /// Sends one packet and returns the reply's payload.
    package func request(_ payload: String) throws -> String {
        String(decoding: try requestBytes(payload), as: UTF8.self)
    }

    package func requestBytes(_ payload: String) throws -> [UInt8] {
        packets += 1
        let deadline = Date().addingTimeInterval(timeout)
        var attempts = 0
        while true {
            try socket.send(GDBPacket.frame(payload))
            // the acknowledgement; a '-' asks for the packet again
            var ack = try socket.readByte(until: deadline)
            while ack != 0x2b && ack != 0x2d { ack = try socket.readByte(until: deadline) }
            if ack == 0x2d {
                attempts += 1
                if attempts > 3 { throw Failure(description: "gdb stub: \"\(payload.prefix(40))\" refused three times") }
                continue
            }
            break
        }
        while true {
            var start = try socket.readByte(until: deadline)
            while start != 0x24 { start = try socket.readByte(until: deadline) }
            let rest = try socket.read(through: 0x23, until: deadline)
            let cs = [try socket.readByte(until: deadline), try socket.readByte(until: deadline)]
            do {
                let payload = try GDBPacket.unframe([start] + rest + cs)
                try socket.send([0x2b])
                return payload
            } catch {
                try socket.send([0x2d])  // ask again
            }
        }
    }

    /// A target-description document, read in pieces with qXfer.
    package func features(_ annex: String) throws -> String {
        var out: [UInt8] = []
        while true {
            let r = try requestBytes("qXfer:features:read:\(annex):\(String(out.count, radix: 16)),\(String(maxRead, radix: 16))")
            guard let kind = r.first, kind == 0x6d || kind == 0x6c else {
                throw Failure(description: "gdb stub: qXfer \(annex): \(String(decoding: r, as: UTF8.self))")
            }
            out += r.dropFirst()
            if kind == 0x6c { return String(decoding: out, as: UTF8.self) }
        }
    }

    /// The register numbered `regnum` in the target description.
    package func register(_ regnum: Int) throws -> UInt64 {
        let r = try requestBytes("p" + String(regnum, radix: 16))
        guard r.count >= 2, r.first != 0x45 || r.count != 3 else {
            throw Failure(description: "gdb stub: register \(regnum): \(String(decoding: r, as: UTF8.self))")
        }
        return GDBPacket.littleEndian(try GDBPacket.bytes(fromHex: r))
    }

    /// From now on `m` addresses are physical (QEMU's Qqemu.PhyMemMode).
    package func usePhysicalMemory() throws {
        let r = try request("Qqemu.PhyMemMode:1")
        guard r == "OK" else { throw Failure(description: "gdb stub: physical-memory mode refused (\(r)); QEMU 4.1 or later needed") }
    }

    package func read(_ address: UInt64, _ length: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        while out.count < length {
            let n = min(maxRead, length - out.count)
            let a = address + UInt64(out.count)
            let r = try requestBytes("m\(String(a, radix: 16)),\(String(n, radix: 16))")
            if r.count == 3, r.first == 0x45 {
                throw Failure(description: "gdb stub: cannot read \(n) bytes at physical \(Quantity.hex(a)) (\(String(decoding: r, as: UTF8.self)))")
            }
            let bytes = try GDBPacket.bytes(fromHex: r)
            guard !bytes.isEmpty else { throw Failure(description: "gdb stub: empty read at \(Quantity.hex(a))") }
            out += bytes
        }
        return out
    }

    /// Detaches: QEMU lets the guest run again.
    package func detach() {
        _ = try? request("D")
        socket.shutdown()
    }
}

