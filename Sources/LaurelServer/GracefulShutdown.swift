import Hummingbird
import LaurelStore
import Logging
import ServiceLifecycle
import UnixSignals

extension LaurelApplication {
    /// Seconds `laurel serve` gives the requests in flight to finish after SIGTERM or SIGINT.
    public static let defaultShutdownGrace: Double = 8

    /// Runs `app` until SIGTERM or SIGINT, then shuts down gracefully and closes the store.
    ///
    /// On the signal the server stops accepting connections (the listening socket is closed, so
    /// new connections are refused), closes idle keep-alive connections, and lets each request in
    /// flight finish and answer; a connection closes after the answer it was writing. The scheduled
    /// jobs finish the run they are in and start no other. Requests still running after
    /// `grace` seconds are cancelled (their connections close without an answer; a write already
    /// handed to the database still commits). Then the store finishes its group commit under way and
    /// closes the database (`LaurelStore.close`).
    public static func run(_ app: some ApplicationProtocol, store: any LaurelStore, shutdownGrace grace: Double, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .nanoseconds(Int64(grace * 1e9))
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            logger.error("server stopped: \(error)")
            try await store.close()
            throw error
        }
        try await store.close()
        logger.info("shut down cleanly: requests answered, database closed")
    }
}
