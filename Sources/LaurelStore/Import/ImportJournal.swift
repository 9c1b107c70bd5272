import Foundation
import LaurelCore

/// Which file an import is, for its journal: the same file (by content) imported again into the
/// same program as the same kind resumes or is recognised as done.
public struct ImportJournalKey: Hashable, Sendable {
    public var programId: String
    /// `members` or `events`.
    public var kind: String
    /// SHA-256 of the file's bytes, hex.
    public var fileHash: String
    public init(programId: String, kind: String, fileHash: String) {
        self.programId = programId
        self.kind = kind
        self.fileHash = fileHash
    }
}

/// How far an import of a file got: the last line whose batch committed, and the rows counted up
/// to there. Written in the same transaction as each batch, so it never disagrees with the data.
public struct ImportJournalRecord: Hashable, Sendable {
    public var key: ImportJournalKey
    public var line: Int
    public var imported: Int
    public var refused: Int
    public var finished: Bool
    /// `skip` or `refuse`, as the run that wrote the journal was started.
    public var mode: String
    public var startedAt: Date
    public var updatedAt: Date
    public init(key: ImportJournalKey, line: Int, imported: Int, refused: Int, finished: Bool, mode: String, startedAt: Date, updatedAt: Date) {
        self.key = key
        self.line = line
        self.imported = imported
        self.refused = refused
        self.finished = finished
        self.mode = mode
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

/// What a batch writes to the journal with its rows. `imported` and `refused` are the totals
/// before the batch's store results (lines the file reader refused included); the store adds the
/// batch's own recorded and refused rows before writing.
public struct ImportJournalMark: Sendable {
    public var key: ImportJournalKey
    public var line: Int
    public var imported: Int
    public var refused: Int
    public var finished: Bool
    public var mode: String
    public var now: Date
    public init(key: ImportJournalKey, line: Int, imported: Int, refused: Int, finished: Bool, mode: String, now: Date) {
        self.key = key
        self.line = line
        self.imported = imported
        self.refused = refused
        self.finished = finished
        self.mode = mode
        self.now = now
    }

    /// The mark with the batch's results counted in.
    public func adding(_ results: [ImportResult]) -> ImportJournalMark {
        var mark = self
        for result in results {
            if case .recorded = result { mark.imported += 1 } else { mark.refused += 1 }
        }
        return mark
    }
}

/// Thrown by an all-or-nothing import call when any row was refused: the transaction was rolled
/// back, nothing of the call was kept; `results` says what each row would have been.
public struct ImportRefusedAll: Error, Sendable {
    public var results: [ImportResult]
    public init(results: [ImportResult]) { self.results = results }
}

/// A member to import: the member as `POST /v1/members` would create them, and their opening
/// balance from the system they come from, one lot per expiry date.
public struct ImportedMember: Sendable {
    public struct OpeningLot: Sendable, Hashable {
        public var points: Int
        public var expiresAt: Date?
        public init(points: Int, expiresAt: Date?) {
            self.points = points
            self.expiresAt = expiresAt
        }
    }
    public var member: MemberRecord
    public var opening: [OpeningLot]
    /// Consents the source system recorded, with its date, kept with source `import`.
    public var consents: [ConsentChange]
    public init(member: MemberRecord, opening: [OpeningLot], consents: [ConsentChange] = []) {
        self.member = member
        self.opening = opening
        self.consents = consents
    }

    /// Why an opening balance is booked: the ledger entries' reason.
    public static let openingReason = "opening balance (import)"
    public static let actor = "import"
    /// Why a row keeping an exported member id is refused when another member has that id.
    static func idTaken(_ id: String) -> String {
        "id \(id) belongs to another member of this database; import an export into a new database, or leave the ids out"
    }
}

/// The import journal and the members' import.
public protocol ImportStore: Sendable {
    func importJournal(_ key: ImportJournalKey) async throws -> ImportJournalRecord?
    /// Writes the journal alone (an import's start, or its end after a last batch with nothing to write).
    func markImport(_ mark: ImportJournalMark) async throws
    /// Creates the members in order, each with its opening lots (credits from `adjusted`, like a
    /// manual adjustment, with the row's own expiry), in one transaction with `journal`. A row whose
    /// external id is taken is refused. `allOrNothing`: any refusal throws `ImportRefusedAll` and
    /// nothing is kept.
    func importMembers(programId: String, members: [ImportedMember], now: Date, journal: ImportJournalMark?,
                       allOrNothing: Bool) async throws -> [ImportResult]
}
