import Foundation
import LaurelCore
import LaurelStore

/// Gives each program's birthday present (`birthday:`) once per member per year, inside the window
/// around the birthday in the program's time zone (02-29 birthdays on 02-28 in other years; no
/// present for a birthday before the member enrolled), with a `birthday` message. Idempotent and
/// safe on several nodes at once: the store claims `(program, member, year)` by a unique key in the
/// transaction that gives the present.
public enum BirthdayJob {
    /// Gives the presents due at `now`; returns how many it gave.
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, batchSize: Int = 500) async throws -> Int {
        var given = 0
        for program in try await store.programs() where program.currentVersion != nil {
            guard let version = try await store.programVersion(programId: program.id, version: nil), let gift = version.definition.birthday else {
                continue
            }
            let zone = version.definition.calendar.timeZone
            let monthDays = gift.monthDays(around: now, timeZone: zone)
            // Two birthdays are a year apart and a window is at most 63 days: a present given in the
            // last 70 days is this birthday's.
            let grantedSince = now.addingTimeInterval(-70 * 86_400)
            var after: String?
            while true {
                let members = try await store.membersWithBirthday(programId: program.id, monthDays: monthDays, grantedSince: grantedSince,
                                                                  limit: batchSize, startingAfter: after)
                for member in members {
                    guard let birthday = member.birthday,
                          let year = gift.dueYear(birthday: birthday, enrolledAt: member.createdAt, now: now, timeZone: zone) else { continue }
                    do {
                        if try await store.giveBirthdayGift(programId: program.id, gift: gift, memberId: member.id, year: year, now: now) != nil {
                            given += 1
                        }
                    } catch is LedgerError {
                        continue // as for campaign gifts: this member is tried again later, the others are not held up
                    }
                }
                guard members.count == batchSize, let last = members.last else { break }
                after = last.id
            }
        }
        return given
    }
}
