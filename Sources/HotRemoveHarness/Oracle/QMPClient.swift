import Foundation

/// QEMU's machine protocol (QMP), as much as the oracle needs: the virtio-mem device's
/// properties through `qom-get`/`qom-set` (docs/system/devices/virtio-mem.rst in QEMU: the host
/// changes `requested-size`, the guest plugs or unplugs until `size` matches it).
package final class QMPClient {
    private let socket: UnixSocket
    private let timeout: Double

    package init(path: String, timeout: Double = 30) throws {
        socket = try UnixSocket(connectingTo: path, within: timeout)
        self.timeout = timeout
        _ = try socket.readLine(until: Date().addingTimeInterval(timeout))  // the greeting
        _ = try execute("qmp_capabilities")
    }

    package struct Failure: Error, CustomStringConvertible { package let description: String }

    /// Runs one command; returns its "return" value (events that arrive meanwhile are skipped).
    package func execute(_ command: String, _ arguments: [String: Any]? = nil) throws -> Any {
        var request: [String: Any] = ["execute": command]
        if let arguments { request["arguments"] = arguments }
        let data = try JSONSerialization.data(withJSONObject: request)
        try socket.send(Array(data) + [0x0a])
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let line = try socket.readLine(until: deadline)
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]),
                  let reply = obj as? [String: Any] else {
                throw Failure(description: "QMP: not a JSON object: \(line.prefix(200))")
            }
            if let r = reply["return"] { return r }
            if let e = reply["error"] as? [String: Any] {
                throw Failure(description: "QMP \(command): \(e["desc"] as? String ?? "\(e)")")
            }
            // an event (MEMORY_DEVICE_SIZE_CHANGE ...): not the answer
        }
    }

    package func get(_ path: String, _ property: String) throws -> UInt64 {
        let r = try execute("qom-get", ["path": path, "property": property])
        if let n = r as? NSNumber { return n.uint64Value }
        throw Failure(description: "QMP qom-get \(path) \(property): not a number: \(r)")
    }

    package func set(_ path: String, _ property: String, _ value: UInt64) throws {
        _ = try execute("qom-set", ["path": path, "property": property, "value": NSNumber(value: value)])
    }

    package func quit() { _ = try? execute("quit") }
}
