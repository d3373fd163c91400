// The locks around every memory-hotplug operation, and what an oops inside one leaves behind.
//
// mm/memory_hotplug.c: add_memory() and remove_memory() take lock_device_hotplug(), then
// add_memory_resource() / try_remove_memory() take mem_hotplug_begin() (mem_hotplug_lock, for write)
// around arch_add_memory() / arch_remove_memory(); offlining a memory block takes the same two.
// memremap_pages() / memunmap_pages() (device memory) take mem_hotplug_begin() only.  A BUG() in the
// arch code kills the task while it holds them (do_exit() releases no mutex and no rwsem), so every
// later hotplug operation sleeps on the first of its locks that the dead task holds, forever: the
// machine is wedged, and nothing a later step asks for runs.

import HotRemoveScenario

public enum HotplugLock: String, Sendable, CaseIterable {
    case deviceHotplug = "device_hotplug_lock"
    case memHotplug = "mem_hotplug_lock"

    /// The locks an operation on memory of `kind` takes, in the order it takes them.
    package static func taken(by kind: Scenario.MemoryKind) -> [HotplugLock] {
        kind == .device ? [.memHotplug] : [.deviceHotplug, .memHotplug]
    }
}

extension ModelState {
    /// The first lock `kind`'s operation takes that a task which oopsed still holds.
    package func blockingLock(_ kind: Scenario.MemoryKind) -> HotplugLock? {
        HotplugLock.taken(by: kind).first { locksHeldByDeadTask.contains($0) }
    }

    /// The operation on `kind` memory oopsed: its task died holding its locks.
    package mutating func taskDied(_ kind: Scenario.MemoryKind) {
        locksHeldByDeadTask.formUnion(HotplugLock.taken(by: kind))
    }
}
