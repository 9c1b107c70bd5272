import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Programs and their numbered, immutable versions.
struct ProgramStoreTests {
    static func definition(_ name: String, pointsPerEuro: Int) -> String {
        """
        name: \(name)
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: \(pointsPerEuro), per: 1}
        """
    }

    @Test(arguments: StoreBackend.available)
    func createListAndRejectDuplicateId(backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let created = try await store.createProgram(id: "prg_a", name: "A", now: StoreFixture.start)
        #expect(created == ProgramRecord(id: "prg_a", name: "A", currentVersion: nil, createdAt: StoreFixture.start))
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        #expect(try await store.program(id: "prg_a") == created)
        #expect(try await store.programs().map(\.id) == ["prg_a", "prg_b"])
        await #expect(throws: StoreError.programExists("prg_a")) {
            try await store.createProgram(id: "prg_a", name: "Again", now: StoreFixture.start)
        }
        #expect(try await store.program(id: "prg_a")?.name == "A")
        #expect(try await store.program(id: "prg_missing") == nil)
    }

    @Test(arguments: StoreBackend.available)
    func eachApplyMakesTheNextVersionCurrent(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: nil)
        let store = fixture.store
        #expect(try await store.programVersion(programId: fixture.programId, version: nil) == nil)
        var definitions: [ProgramDefinition] = []
        for number in 1...3 {
            let source = Self.definition("Version \(number)", pointsPerEuro: number)
            let definition = try ProgramDefinition.parse(source)
            definitions.append(definition)
            let now = StoreFixture.at(days: Double(number))
            let applied = try await store.applyProgram(id: fixture.programId, definition: definition, source: source, now: now, idempotency: nil)
            let record = try #require(applied.value)
            #expect(record.version == number)
            #expect(record.definition == definition)
            #expect(record.source == source)
            #expect(record.createdAt == now)
            let program = try #require(try await store.program(id: fixture.programId))
            #expect(program.currentVersion == number)
            #expect(program.name == "Version \(number)")
            #expect(try await store.programVersion(programId: fixture.programId, version: nil)?.version == number)
        }
        for number in 1...3 {
            let record = try #require(try await store.programVersion(programId: fixture.programId, version: number))
            #expect(record.definition == definitions[number - 1])
            #expect(record.source == Self.definition("Version \(number)", pointsPerEuro: number))
        }
        // Read back from the database, not from the store's cache of parsed versions.
        let versions = try await store.programVersions(programId: fixture.programId)
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions.map(\.definition) == definitions)
        #expect(versions.map(\.createdAt) == [1.0, 2.0, 3.0].map { StoreFixture.at(days: $0) })
    }

    @Test(arguments: StoreBackend.available)
    func unknownProgramsAndVersionsAreNil(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        #expect(try await store.programVersion(programId: "prg_missing", version: nil) == nil)
        #expect(try await store.programVersion(programId: "prg_missing", version: 1) == nil)
        #expect(try await store.programVersion(programId: fixture.programId, version: 2) == nil)
        #expect(try await store.programVersions(programId: "prg_missing").isEmpty)
        let definition = try ProgramDefinition.parse(StoreFixture.basicProgram)
        await #expect(throws: StoreError.notFound("program prg_missing")) {
            try await store.applyProgram(id: "prg_missing", definition: definition, source: "", now: StoreFixture.start, idempotency: nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func applyWithTheSameKeyIsReplayed(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: nil)
        let source = Self.definition("Keyed", pointsPerEuro: 1)
        let definition = try ProgramDefinition.parse(source)
        let first = try await fixture.store.applyProgram(id: fixture.programId, definition: definition, source: source, now: StoreFixture.start,
                                                         idempotency: idempotency("apply-1"))
        let second = try await fixture.store.applyProgram(id: fixture.programId, definition: definition, source: source, now: StoreFixture.start,
                                                          idempotency: idempotency("apply-1"))
        guard case .fresh(_, let response?) = first, case .replayed(let replayed) = second else {
            Issue.record("expected a fresh apply and then a replay, got \(first) and \(second)")
            return
        }
        #expect(replayed == response)
        #expect(try await fixture.store.programVersions(programId: fixture.programId).count == 1)
    }
}
