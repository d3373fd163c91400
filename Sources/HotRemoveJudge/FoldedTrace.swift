// The one reader of a folded trace.  The C recorder coalesces like events and folds a group of records
// that repeats with addresses moving by a fixed step into a `repeatPrevious` record; every user of a trace
// (the judge, the effects, `run --trace`, the cost figures) reads it through this.

/// A folded trace record by record: an event, or a loop that repeats the records before it.
public struct FoldedTrace: Sequence {
    public enum Record {
        /// event number `index` of the unrolled trace
        case event(index: Int, ObservedEvent)
        /// `body` happens `repetitions` more times (repetition k is `body[j].repetition(k)`), the first event
        /// of the first repetition numbered `firstIndex`
        case loop(body: ArraySlice<ObservedEvent>, repetitions: UInt64, firstIndex: Int)
    }

    let trace: ArraySlice<ObservedEvent>
    public init(_ trace: [ObservedEvent]) { self.trace = trace[...] }
    public init(_ trace: ArraySlice<ObservedEvent>) { self.trace = trace }

    public func makeIterator() -> Iterator { Iterator(trace) }

    public struct Iterator: IteratorProtocol {
        let trace: ArraySlice<ObservedEvent>
        var r: Int, index = 0
        init(_ trace: ArraySlice<ObservedEvent>) { self.trace = trace; r = trace.startIndex }

        public mutating func next() -> Record? {
            while r < trace.endIndex {
                let e = trace[r]
                r += 1
                guard e.kind == .repeatPrevious else { index += 1; return .event(index: index - 1, e) }
                // a loop whose body would start before the trace is not one: skipped
                let period = e.level
                guard period >= 1, r - 1 - trace.startIndex >= period else { continue }
                let n = Swift.max(e.count, 1), first = index
                index += period * Int(n)
                return .loop(body: trace[(r - 1 - period) ..< (r - 1)], repetitions: n, firstIndex: first)
            }
            return nil
        }
    }
}

extension ObservedEvent {
    /// Calls `body` with every event of a folded trace in order, loops unrolled, numbered from 0;
    /// stops early when `body` returns false.  Memory stays that of the folded trace.
    public static func expand(_ trace: [ObservedEvent], _ body: (Int, ObservedEvent) -> Bool) {
        for (i, e) in Unrolled(trace) { guard body(i, e) else { return } }
    }

    /// The events of a folded trace in order, loops unrolled, numbered from 0 (a sequence, so that
    /// a checker's loop over millions of events is a plain loop, not a closure call each).
    public struct Unrolled: Sequence, IteratorProtocol {
        private var records: FoldedTrace.Iterator
        /// inside a loop: its body, the next body event, the repetition (1...reps) and the next event's number
        private var body: ArraySlice<ObservedEvent> = [], j = 0, rep: UInt64 = 0, reps: UInt64 = 0, i = 0
        public init(_ trace: [ObservedEvent]) { records = FoldedTrace(trace).makeIterator() }

        public mutating func next() -> (Int, ObservedEvent)? {
            while true {
                if rep > 0 {
                    if j == body.endIndex { rep += 1; j = body.startIndex }
                    if rep <= reps {
                        j += 1; i += 1
                        return (i - 1, body[j - 1].repetition(rep))
                    }
                    rep = 0
                }
                switch records.next() {
                case nil: return nil
                case let .event(index, e)?: return (index, e)
                case let .loop(b, n, first)?: body = b; reps = n; rep = 1; j = b.startIndex; i = first
                }
            }
        }
    }
}
