import Foundation
import LaurelCore
import Synchronization

/// Parsed program versions and their processors, by program and version. Versions never
/// change once written, so entries never go stale.
public final class ProgramCache: Sendable {
    private let entries = Mutex<[String: (ProgramVersionRecord, EventProcessor)]>([:])

    public init() {}

    public func get(programId: String, version: Int) -> (ProgramVersionRecord, EventProcessor)? {
        entries.withLock { $0["\(programId)#\(version)"] }
    }

    @discardableResult
    public func put(_ record: ProgramVersionRecord) -> (ProgramVersionRecord, EventProcessor) {
        let value = (record, EventProcessor(program: record.definition))
        entries.withLock { $0["\(record.programId)#\(record.version)"] = value }
        return value
    }
}
