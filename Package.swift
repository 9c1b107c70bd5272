// swift-tools-version:6.1
import PackageDescription

/// Our own targets: Swift 6 language mode, strict concurrency, warnings are errors.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .unsafeFlags(["-warnings-as-errors"]),
]

let package = Package(
    name: "laurel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "laurel", targets: ["laurel"]),
        .executable(name: "laurel-bench", targets: ["LaurelBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // 4.x: jwt-kit 5 needs swift-crypto 4.1 or later; every other dependency accepts 3.12.3 up to 6.
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Operational metrics: the swift-metrics API where they are recorded, the Prometheus registry
        // and text format only in the server (GET /metrics).
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "LaurelCore",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The system zlib: events keep their outcome deflated (LaurelStore/Records/PackedOutcome.swift).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "LaurelStore",
            dependencies: [
                "LaurelCore", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LaurelServer",
            dependencies: [
                "LaurelCore", "LaurelStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                // PBKDF2 for staff passwords (already built for jwt-kit).
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Resources"],
            swiftSettings: strict,
            plugins: ["EmbedResourcesPlugin"]
        ),
        .executableTarget(
            name: "laurel",
            dependencies: [
                "LaurelCore", "LaurelStore", "LaurelServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            plugins: ["BuildInfoPlugin"]
        ),
        // Build-time code generation: the server's resources compiled into it (no resource bundle
        // to lose beside the executable), and the git commit for `laurel --version`.
        .executableTarget(name: "EmbedResources", swiftSettings: strict),
        .plugin(name: "EmbedResourcesPlugin", capability: .buildTool(), dependencies: ["EmbedResources"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .executableTarget(
            name: "LaurelBench",
            dependencies: [
                "LaurelCore", "LaurelStore", "LaurelServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The analytics benchmark writes its large history straight into SQLite.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/LaurelBench",
            swiftSettings: strict
        ),
        .target(
            name: "LaurelTestSupport",
            dependencies: ["LaurelStore", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/LaurelTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "LaurelCoreTests", dependencies: ["LaurelCore", "LaurelTestSupport"], swiftSettings: strict),
        .testTarget(name: "LaurelBenchTests", dependencies: ["LaurelBench"], swiftSettings: strict),
        .testTarget(
            name: "LaurelStoreTests",
            dependencies: ["LaurelCore", "LaurelStore", "LaurelTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaurelServerTests",
            dependencies: [
                "LaurelCore", "LaurelStore", "LaurelServer", "LaurelTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // The shutdown and backup tests check the database file itself (integrity, WAL).
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
    ]
)
