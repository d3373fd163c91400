// swift-tools-version:6.0
// HotRemoveHarness: the arm64 memory hot-remove routines of Linux, run in user space
// and cross-checked against an independent model. Toolchain only: no package dependencies.
//
// Modules, each depending only on those above it:
//   CShim              the transcribed kernel routines, the kernel shim and the user-space kernel (C)
//   HotRemoveScenario  the scenario format: geometry, eras, parsing and its one validation
//   HotRemoveModel     the reference model: predicts one step's effects from the scenario alone
//   HotRemoveJudge     the rules: ordering over the trace, invariants, the contract comparison
//   HotRemoveHarness   the machine, runner, campaigns, explorer, bench, oracle (uses CShim, internally)
//   HotRemoveCLI       the command line; `hotremove` is a few lines around it
import PackageDescription

let package = Package(
    name: "HotRemoveHarness",
    products: [
        .executable(name: "hotremove", targets: ["hotremove"]),
        .library(name: "HotRemoveHarness", targets: ["HotRemoveHarness"]),
        .library(name: "HotRemoveModel", targets: ["HotRemoveModel"]),
        .library(name: "HotRemoveJudge", targets: ["HotRemoveJudge"]),
    ],
    targets: [
        // Kernel-style headers live under CShim/ so that only include/CShim.h is visible to Swift (a C
        // target cannot name a public-headers directory outside its own path, hence path ".").
        .target(
            name: "CShim",
            path: ".",
            exclude: ["CShim/instances/generate.sh", "CShim/instances/instance_array.sh", "CShim/mmu", "CShim/kshim", "CShim/mutants"],
            sources: ["CShim/kernel", "CShim/instances"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("CShim"),
                .unsafeFlags([
                    // the kernel is built at -O2; the transcriptions are meant to run at kernel speed
                    "-O2",
                    // the kernel is built with -fno-strict-aliasing: its pXd_t casts rely on it
                    "-fno-strict-aliasing",
                    // each instance includes every revision helper; most use a few, as in the kernel
                    "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                ]),
            ]
        ),
        .target(name: "HotRemoveScenario", path: "Sources/HotRemoveScenario"),
        // Pure-Swift reference model: never imports CShim.
        .target(name: "HotRemoveModel", dependencies: ["HotRemoveScenario"], path: "Sources/HotRemoveModel"),
        .target(name: "HotRemoveJudge", dependencies: ["HotRemoveScenario", "HotRemoveModel"],
                path: "Sources/HotRemoveJudge"),
        // Catalogue/findings.json (every rule and finding class, with where upstream stands) is compiled in
        .target(name: "HotRemoveHarness", dependencies: ["CShim", "HotRemoveScenario", "HotRemoveModel", "HotRemoveJudge"],
                path: "Sources/HotRemoveHarness", resources: [.embedInCode("Catalogue/findings.json")]),
        .target(name: "HotRemoveCLI", dependencies: ["HotRemoveHarness", "HotRemoveScenario", "HotRemoveModel", "HotRemoveJudge"],
                path: "Sources/HotRemoveCLI"),
        .executableTarget(name: "hotremove", dependencies: ["HotRemoveCLI"], path: "Sources/hotremove"),

        // Test-only: mutants of revisions and of the generic hotplug layer, built from the patches in
        // CShim/mutants by CShim/mutants/generate.sh and registered into CShim's registry at run time; the
        // manifest and registration; and the CLI with the mutants registered (the crash-isolation tests'
        // worker).  No product the package ships links them.
        .target(
            name: "CShimMutants",
            dependencies: ["CShim"],
            path: "CShim/mutants/CShimMutants",
            exclude: ["patched"],
            sources: ["register.c", "instances"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("../.."),
                .unsafeFlags([
                    // -O0: the mutant instances build five times faster than at -O2, and the checker, not
                    // the mutants' C, is what their tests spend time in
                    "-O0",
                    "-fno-strict-aliasing",
                    "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                ]),
            ]
        ),
        .target(name: "HotRemoveMutants", dependencies: ["HotRemoveHarness", "CShimMutants"],
                path: "Tests/HotRemoveMutants"),
        .executableTarget(name: "hotremove-mutants", dependencies: ["HotRemoveCLI", "HotRemoveHarness", "HotRemoveMutants"],
                          path: "Tests/hotremove-mutants"),
        // Helpers the model and judge tests share (scenarios, observations made from predictions).
        .target(name: "HotRemoveTestSupport", dependencies: ["HotRemoveScenario", "HotRemoveModel", "HotRemoveJudge"],
                path: "Tests/HotRemoveTestSupport"),

        .testTarget(name: "HotRemoveScenarioTests", dependencies: ["HotRemoveScenario"],
                    path: "Tests/HotRemoveScenarioTests"),
        .testTarget(name: "HotRemoveModelTests", dependencies: ["HotRemoveScenario", "HotRemoveModel", "HotRemoveJudge",
                                                               "HotRemoveTestSupport"],
                    path: "Tests/HotRemoveModelTests"),
        .testTarget(name: "HotRemoveJudgeTests", dependencies: ["HotRemoveScenario", "HotRemoveModel", "HotRemoveJudge",
                                                               "HotRemoveTestSupport"],
                    path: "Tests/HotRemoveJudgeTests"),
        // depends on the tools too: tests run the shipped one, and campaign tests run the one with the
        // mutants as their crash-isolating worker
        .testTarget(name: "HotRemoveHarnessTests", dependencies: ["HotRemoveHarness", "HotRemoveCLI", "HotRemoveScenario",
                                                                  "HotRemoveModel", "HotRemoveJudge", "CShim", "hotremove",
                                                                  "HotRemoveMutants", "hotremove-mutants"],
                    path: "Tests/HotRemoveHarnessTests", exclude: ["Fixtures"]),
    ]
)
