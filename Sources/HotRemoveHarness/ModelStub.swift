// TEMPORARY: stands in for HotRemoveModel's ReferenceModel until it lands.
import HotRemoveModel
public struct Finding: Equatable, Sendable, Codable {
    public enum Class: String, Sendable, Codable { case contractMismatch = "contract-mismatch", invariantViolation = "invariant-violation", fault }
    public var step: Int
    public var classification: Class
    public var rule: String
    public var level: Level?
    public var va: UInt64?
    public var expected: String
    public var found: String
    public var message: String
}
public final class ReferenceModel {
    public init(scenario: Scenario, revision: String) {}
    public func checkBoot(_ observed: ObservedState) -> [Finding] { [] }
    public func check(step index: Int, _ obs: StepObservation) -> [Finding] { [] }
}
