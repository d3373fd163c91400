// swift-tools-version:6.0
// HotRemoveHarness: the arm64 memory hot-remove routines of Linux, run in user space
// and cross-checked against an independent model. Toolchain only: no package dependencies.
import PackageDescription

let package = Package(
    name: "HotRemoveHarness",
    products: [
        .executable(name: "hotremove", targets: ["hotremove"]),
        .library(name: "HotRemoveHarness", targets: ["HotRemoveHarness"]),
        .library(name: "HotRemoveModel", targets: ["HotRemoveModel"]),
    ],
    targets: [
        // The transcribed kernel routines, the kernel shim and the user-space kernel behind it.
        // Kernel-style headers live under CShim/ so that only include/CShim.h is visible to Swift.
        .target(
            name: "CShim",
            path: ".",
            exclude: ["CShim/instances/generate.sh", "CShim/mmu", "CShim/kshim", "CShim/mutants"],
            sources: ["CShim/kernel", "CShim/instances"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("CShim"),
                .unsafeFlags(["-O2", "-fno-strict-aliasing", "-Wno-unused-function",
                              "-Wno-unused-variable", "-Wno-unused-but-set-variable"]),
            ]
        ),
        // Test-only: mutants of v6, final and altmap, built from the patches in CShim/mutants by
        // CShim/mutants/generate.sh; registered into CShim's registry at run time.  No product the
        // package ships links them.
        .target(
            name: "CShimMutants",
            dependencies: ["CShim"],
            path: "CShim/mutants/CShimMutants",
            exclude: ["patched"],
            sources: ["register.c", "instances"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("../.."),
                // -O0: the mutant instances build five times faster than at -O2, and the checker, not the
                // mutants' C, is what their tests spend time in
                .unsafeFlags(["-O0", "-fno-strict-aliasing", "-Wno-unused-function",
                              "-Wno-unused-variable", "-Wno-unused-but-set-variable"]),
            ]
        ),
        // Pure-Swift reference model: never imports CShim.
        .target(name: "HotRemoveModel", path: "Sources/HotRemoveModel"),
        // Catalogue/findings.json (every rule and finding class, with where upstream stands) is compiled in
        .target(name: "HotRemoveHarness", dependencies: ["CShim", "HotRemoveModel"],
                path: "Sources/HotRemoveHarness", resources: [.embedInCode("Catalogue/findings.json")]),
        .executableTarget(name: "hotremove", dependencies: ["HotRemoveHarness"],
                          path: "Sources/hotremove"),
        // Test-only: the mutants' manifest and registration, and the hotremove CLI with the mutants
        // registered (the crash-isolation tests' worker).
        .target(name: "HotRemoveMutants", dependencies: ["HotRemoveHarness", "CShimMutants"],
                path: "Sources/HotRemoveMutants"),
        .executableTarget(name: "hotremove-mutants", dependencies: ["HotRemoveHarness", "HotRemoveMutants"],
                          path: "Sources/hotremove-mutants"),
        .testTarget(name: "HotRemoveModelTests", dependencies: ["HotRemoveModel"],
                    path: "Tests/HotRemoveModelTests"),
        // depends on the tools too: tests run the shipped one, and campaign tests run the one with the
        // mutants as their crash-isolating worker
        .testTarget(name: "HotRemoveHarnessTests", dependencies: ["HotRemoveHarness", "HotRemoveModel", "CShim", "hotremove",
                                                                  "HotRemoveMutants", "hotremove-mutants"],
                    path: "Tests/HotRemoveHarnessTests", exclude: ["Fixtures"]),
    ]
)
