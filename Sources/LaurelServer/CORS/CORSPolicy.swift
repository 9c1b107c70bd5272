import Foundation
import HTTPTypes
import Hummingbird
import LaurelStore
import Logging
import Synchronization

/// Which browser origins may read which program's answers: each program's `cors.allowed_origins`,
/// read from the programs' current versions and kept a few seconds, so a program applied on
/// another node reaches this one within that time.
///
/// An answer to a caller of a known program carries `Access-Control-Allow-Origin` only when that
/// program lists the request's origin. Answers given before the caller is known (preflights,
/// which carry no credentials; 401s; public and unknown routes) carry it when any program lists
/// the origin: they hold nothing of any program. Every answer carries `Vary: Origin`.
final class CORSPolicy: Sendable {
    static let cacheSeconds: TimeInterval = 5
    /// What a browser may send: only the headers the API reads.
    static let allowedHeaders = "Authorization, Content-Type, Idempotency-Key"
    /// What a page may read beyond the CORS-safelisted answer headers.
    static let exposedHeaders = "Idempotent-Replayed, Allow, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
    /// Seconds a browser may keep a preflight's answer.
    static let maxAge = "600"

    let store: any LaurelStore
    let clock: any WallClock
    let logger: Logger
    private let cache = Mutex<(origins: [String: Set<String>], loadedAt: Date?)>(([:], nil))

    init(store: any LaurelStore, clock: any WallClock, logger: Logger = Logger(label: "laurel.cors")) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Whether `origin` may read answers of `programId` (nil: of the programs' answers in general).
    func allows(_ origin: String, programId: String?) async -> Bool {
        guard origin != "null" else { return false }
        let origins = await originsByProgram()
        guard let programId else { return origins.values.contains { $0.contains(origin) } }
        return origins[programId]?.contains(origin) == true
    }

    /// Adds `Vary: Origin`, and `Access-Control-Allow-Origin` with the exposed headers when the origin is allowed.
    func decorate(_ response: inout Response, origin: String?, programId: String?) async {
        if !Self.variesByOrigin(response.headers) { response.headers.append(HTTPField(name: .vary, value: "Origin")) }
        guard let origin, await allows(origin, programId: programId) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
    }

    static func variesByOrigin(_ headers: HTTPFields) -> Bool {
        headers[values: .vary].contains { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "origin" } }
    }

    /// Every program's origins, reloaded when older than `cacheSeconds`.
    private func originsByProgram() async -> [String: Set<String>] {
        let now = clock.now()
        let cached = cache.withLock { $0 }
        if let loadedAt = cached.loadedAt, now.timeIntervalSince(loadedAt) < Self.cacheSeconds, now >= loadedAt { return cached.origins }
        do {
            var origins: [String: Set<String>] = [:]
            for program in try await store.programs() {
                let listed = try await store.programVersion(programId: program.id, version: nil)?.definition.corsOrigins ?? []
                if !listed.isEmpty { origins[program.id] = Set(listed) }
            }
            cache.withLock { $0 = (origins, now) }
            return origins
        } catch {
            // Keep what was known: an unreachable database must not open or close origins.
            logger.warning("could not read the programs' CORS origins: \(error)")
            return cached.origins
        }
    }
}
