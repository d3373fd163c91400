enum BenchCommand { static func run(_ args: [String], _ c: Console) throws -> Int32 { throw CommandError(.usage, "bench: not yet") } }
