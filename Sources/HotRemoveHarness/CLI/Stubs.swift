enum MainJob {
    static func run(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "not yet") }
}
enum CheckCommand {
    static func check(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "not yet") }
    static func diff(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "not yet") }
}
enum FuzzCommand { static func run(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "not yet") } }
enum BenchCommand { static func run(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "not yet") } }
