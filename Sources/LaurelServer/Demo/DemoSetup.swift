import Foundation
import LaurelCore
import LaurelStore

/// The demo program of `laurel serve --demo`: "Bean & Thread", a coffee-and-fashion retailer.
public enum DemoSetup {
    public static let programId = "demo"
    static let keyName = "demo"

    public static func source() throws -> String {
        guard let url = Bundle.module.url(forResource: "demo-program", withExtension: "yaml", subdirectory: "Resources") else {
            throw StoreError.notFound("demo-program.yaml in the build")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Creates the demo program if needed, applies the demo definition when it changed, replaces
    /// earlier demo keys with a new admin key and returns its secret (shown once).
    public static func prepare(store: any LaurelStore, now: Date) async throws -> String {
        let text = try source()
        let definition = try ProgramDefinition.parse(text)
        if try await store.program(id: programId) == nil {
            _ = try await store.createProgram(id: programId, name: definition.name, now: now)
        }
        if try await store.programVersion(programId: programId, version: nil)?.definition != definition {
            _ = try await store.applyProgram(id: programId, definition: definition, source: text, now: now, idempotency: nil)
        }
        for key in try await store.apiKeys(programId: programId) where key.name == keyName && key.revokedAt == nil {
            _ = try await store.revokeAPIKey(id: key.id, now: now)
        }
        return try await APIKeyAuthenticator.create(store: store, programId: programId, scope: .admin, name: keyName, now: now).1
    }
}
